import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';

/**
 * The stack of an unexpected error with the bundle's frames mapped to src/…ts lines through the
 * bundle's external source map (dist/bundle/dnsfail.cjs.map). Read only here, when a bug is being
 * reported: turning Node's source maps on for every run parses the 1 MB map at start-up and grows
 * V8's young generation to 32 MB. Without a map (the tsc build) the stack is returned as it is.
 */
export function sourceMappedStack(stack: string, file = import.meta.filename): string {
  let map: SourceMap;
  try {
    map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
  } catch {
    return stack;
  }
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return stack.replace(new RegExp(`${escaped}:(\\d+):(\\d+)`, 'g'), (frame, line: string, column: string) => {
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (!entry.originalSource) return frame;
    return `${resolve(dirname(file), entry.originalSource)}:${entry.originalLine! + 1}:${entry.originalColumn! + 1}`;
  });
}
