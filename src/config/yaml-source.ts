import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError } from '../errors.js';

export type PathSegment = string | number;

/** A parsed config text that can still tell which line a path came from. */
export interface ConfigSource {
  name: string;
  data: unknown;
  lineOf(path: readonly PathSegment[]): number | undefined;
}

/** Parses YAML (and so JSON, a subset of YAML 1.2) keeping positions for error messages. */
export function parseConfigText(text: string, name: string): ConfigSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const line = lineCounter.linePos(first.pos[0]).line;
    throw new ConfigError(`${name}:${line}: YAML syntax error: ${first.message.split('\n')[0]}`, { line });
  }
  let data: unknown;
  try {
    // maxAliasCount bounds alias expansion, so a "billion laughs" document cannot eat the machine.
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    throw new ConfigError(`${name}: cannot load YAML: ${(e as Error).message}`, { line: 1 });
  }
  return { name, data, lineOf: (path) => lineOf(doc, lineCounter, path) };
}

function lineOf(doc: Document, lc: LineCounter, path: readonly PathSegment[]): number | undefined {
  let node: unknown = doc.contents;
  let best: Node | undefined = isNode(node) ? node : undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      if (isNode(pair.key)) best = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
    } else break;
    if (isNode(node)) best = node;
  }
  const offset = best?.range?.[0];
  return offset === undefined ? undefined : lc.linePos(offset).line;
}

function isNode(x: unknown): x is Node {
  return typeof x === 'object' && x !== null && 'range' in x;
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out || '(top level)';
}
