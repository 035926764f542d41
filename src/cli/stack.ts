import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';

/**
 * The stack of an unexpected error with the bundle's frames mapped to src/…ts lines through the
 * external source maps beside the bundle's files (dist/bundle/dnsfail.cjs.map, chunks/*.cjs.map). Read
 * only here, when a bug is being reported: turning Node's source maps on for every run parses the
 * 1 MB map at start-up and grows V8's young generation to 32 MB. Without a map (the tsc build) the
 * stack is returned as it is.
 */
export function sourceMappedStack(stack: string, file = import.meta.filename): string {
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (f: string) => {
    if (!maps.has(f)) {
      try {
        maps.set(f, new SourceMap(JSON.parse(readFileSync(`${f}.map`, 'utf8'))));
      } catch {
        maps.set(f, undefined);
      }
    }
    return maps.get(f);
  };
  const dir = dirname(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return stack.replace(new RegExp(`(${dir}/[\\w./-]+):(\\d+):(\\d+)`, 'g'), (frame, f: string, line: string, column: string) => {
    const entry = mapOf(f)?.findEntry(Number(line) - 1, Number(column) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
    if (!entry?.originalSource) return frame;
    return `${resolve(dirname(f), entry.originalSource)}:${entry.originalLine! + 1}:${entry.originalColumn! + 1}`;
  });
}
