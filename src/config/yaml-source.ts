import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { ConfigError } from '../errors.js';
import { firstJsonError } from './json-strict.js';

export type PathSegment = string | number;

/** A parsed config text that can still tell which line a path came from. */
export interface ConfigSource {
  name: string;
  data: unknown;
  lineOf(path: readonly PathSegment[]): number | undefined;
}

/** A config nests a handful of levels; anything far deeper is a mistake or an attack on the parser's stack. */
export const MAX_DEPTH = 32;
/** Bounds alias expansion, so a "billion laughs" document cannot eat the machine. */
const MAX_ALIAS_COUNT = 50;
/** Paths in messages stop here: the first levels say where; the 5000th "[0]" says nothing more. */
const MAX_PATH_SHOWN = 10;

/** File bytes → text; a binary or non-UTF-8 file is refused with the line (and path) of its first bad byte. */
export function decodeConfigBytes(bytes: Uint8Array, name: string): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    if (!text.includes('\0')) return text;
  } catch {
    // fall through: find the first bad byte below
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  const bad = text.search(/[\uFFFD\0]/);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false });
  const line = lc.linePos(bad).line;
  const path = doc.errors.length ? [] : pathAt(doc, bad);
  throw new ConfigError(`${name}:${line}: ${formatPath(path)}: the file is not UTF-8 text (a binary file, or another encoding such as Latin-1?); save it as UTF-8`, {
    path: formatPath(path),
    line,
  });
}

/** Parses YAML (and so JSON, a subset of YAML 1.2) keeping positions for error messages. */
export function parseConfigText(text: string, name: string): ConfigSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const fail = (offset: number, path: PathSegment[], message: string, at?: number): never => {
    const line = at ?? lineCounter.linePos(offset).line;
    throw new ConfigError(`${name}:${line}: ${message}`, { line, path: formatPath(path) });
  };
  const isJson = /\.json$/i.test(name);
  const jsonError = isJson ? firstJsonError(text, MAX_DEPTH) : null;
  if (jsonError) {
    const path = pathAt(doc, jsonError.offset);
    fail(jsonError.offset, path, `JSON syntax error in ${formatPath(path)}: ${jsonError.message}`);
  }
  const first = doc.errors[0];
  if (first) {
    const where = first.pos[0];
    const path = pathAt(doc, where);
    const what = /call stack/i.test(first.message) ? `nested too deeply (a config needs only a few levels)` : first.message.split('\n')[0];
    const misindented = isJson ? undefined : indentationError(text, doc, lineCounter, first, lineCounter.linePos(where).line);
    if (misindented) fail(where, misindented.path, `YAML indentation error in ${formatPath(misindented.path)}: ${misindented.message}`, misindented.line);
    // An unclosed quote is noticed at the end of the file; the line where it opened is the one to fix.
    const opened = first.code === 'MISSING_CHAR' && /quote/.test(first.message) ? lineOf(doc, lineCounter, path) : undefined;
    fail(where, path, `${isJson ? 'JSON' : 'YAML'} syntax error in ${formatPath(path)}: ${what}`, opened);
  }
  if (doc.contents === null) fail(0, [], `${formatPath([])}: the file is empty (only comments or blank lines); it needs providers and records`);

  const tooDeep = deepestNode(doc);
  if (tooDeep) fail(tooDeep.offset, tooDeep.path, `${formatPath(tooDeep.path)}: nested more than ${MAX_DEPTH} levels deep (a config needs only a few)`);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const alias = firstAlias(doc);
    const offset = alias?.range?.[0] ?? 0;
    const path = pathAt(doc, offset);
    fail(offset, path, `${formatPath(path)}: YAML aliases (*name) expand to too much data (${(e as Error).message}); write the values out instead`);
  }
  return { name, data, lineOf: (path) => lineOf(doc, lineCounter, path) };
}

function lineOf(doc: Document, lc: LineCounter, path: readonly PathSegment[]): number | undefined {
  let node: unknown = doc.contents;
  let best: Node | undefined = isNode(node) ? node : undefined;
  for (const seg of path) {
    if (isMap(node)) {
      // A key's own line: for a missing key below it, that is where the block to fix starts.
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      if (isNode(pair.key)) best = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (isNode(node)) best = node;
    } else break;
  }
  const offset = best?.range?.[0];
  return offset === undefined ? undefined : lc.linePos(offset).line;
}

/** Parser errors that a line indented by the wrong number of spaces causes (tabs have their own, clear message). */
const INDENTATION_CODES = new Set(['BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY', 'BAD_INDENT', 'MISSING_CHAR']);

/**
 * The misindented line behind a parser error, and what is wrong with it in words. YAML notices a line
 * indented deeper than the key above it on that key's line ("nested mappings are not allowed in
 * compact mappings"): the line to fix is the deeper one.
 */
function indentationError(text: string, doc: Document, lc: LineCounter, parserError: { code: string; message: string }, errorLine: number): { line: number; path: PathSegment[]; message: string } | undefined {
  const { code } = parserError;
  if (!INDENTATION_CODES.has(code) || (code === 'MISSING_CHAR' && !/without - indicator/.test(parserError.message))) return undefined;
  const lines = text.split('\n').map((l) => parseLine(l.replace(/\r$/, '')));
  const at = (n: number) => lines[n - 1]!;
  const content = (from: number, step: 1 | -1) => {
    let n = from;
    while (n >= 1 && n <= lines.length && !at(n).content) n += step;
    return n >= 1 && n <= lines.length ? n : undefined;
  };
  // The columns a line could start at: those of the line above and of each block that line is in.
  const levelsAbove = (n: number) => {
    const levels = new Set<number>();
    for (let k = n - 1, min = Infinity; k > 0 && min > 0; k--) {
      const l = at(k);
      if (!l.content || l.indent >= min) continue;
      levels.add(l.indent).add(l.column);
      min = l.indent;
    }
    return levels;
  };
  // The block a line belongs to: the path of its node without its own key or list index.
  const blockOf = (n: number) => {
    const path = pathAt(doc, (lc.lineStarts[n - 1] ?? 0) + at(n).column);
    const last = path.at(-1);
    return last !== undefined && (last === at(n).key || (typeof last === 'number' && !at(n).key)) ? path.slice(0, -1) : path;
  };
  const first = content(errorLine, 1);
  if (first === undefined) return undefined;
  const next = content(first + 1, 1);
  // A line fits under a key that opens a block (deeper; a list may also start at the key's column), or beside a line above.
  const fits = (n: number) => {
    const p = content(n - 1, -1);
    const opener = p === undefined ? undefined : at(p);
    if (opener?.opensBlock && (at(n).indent > opener.indent || (at(n).isItem && at(n).indent === opener.indent))) return true;
    return levelsAbove(n).has(at(n).indent);
  };
  const firstFits = fits(first);
  const bad = !firstFits ? first : at(first).hasValue && next !== undefined && at(next).indent > at(first).column ? next : undefined;
  const above = bad === undefined ? undefined : content(bad - 1, -1);
  if (bad === undefined || above === undefined) return undefined;
  const line = at(bad);
  const prev = at(above);
  const name = line.key ? `"${line.key}"` : 'the list item';
  const spaces = (n: number) => `${n} space${n === 1 ? '' : 's'}`;
  if (prev.key && prev.hasValue && line.indent > prev.column) {
    return {
      line: bad,
      path: [...blockOf(above), ...(line.key ? [line.key] : [])],
      message: `${name} is indented ${spaces(line.indent)}, deeper than "${prev.key}" on line ${above}, which already has a value; indent it like "${prev.key}" (${spaces(prev.column)})`,
    };
  }
  if (fits(bad)) return undefined;
  const levels = [...levelsAbove(bad)].sort((a, b) => a - b);
  const list = levels.length > 1 ? `${levels.slice(0, -1).join(', ')} or ${levels.at(-1)}` : String(levels[0]);
  return {
    line: bad,
    path: blockOf(above),
    message: `${name} is indented ${spaces(line.indent)}, which lines up with nothing above it (the lines it could belong with start at ${list} spaces)`,
  };
}

interface ParsedLine {
  /** Not blank, not only a comment. */
  content: boolean;
  indent: number;
  /** Where the key starts, after any "- " list markers. */
  column: number;
  key?: string;
  hasValue: boolean;
  /** Starts with "- ". */
  isItem: boolean;
  /** "key:" or "-" with nothing after: the lines below may be deeper. */
  opensBlock: boolean;
}

function parseLine(line: string): ParsedLine {
  const indent = /^ */.exec(line)![0].length;
  const afterDashes = /^(?:-(?: +|$))*/.exec(line.slice(indent))![0].length;
  const m = /^(?:"([^"]*)"|'([^']*)'|([^\s#:"'][^:#]*?)):(?:\s+(.*))?$/.exec(line.slice(indent + afterDashes));
  const value = m?.[4]?.replace(/(^|\s)#.*$/, '').trim();
  const key = m ? (m[1] ?? m[2] ?? m[3])! : undefined;
  const rest = line.slice(indent + afterDashes).replace(/(^|\s)#.*$/, '').trim();
  return {
    content: !/^\s*(#|$)/.test(line),
    indent,
    column: indent + afterDashes,
    ...(key !== undefined ? { key } : {}),
    hasValue: Boolean(value),
    isItem: afterDashes > 0,
    opensBlock: key !== undefined ? !value : afterDashes > 0 && rest === '',
  };
}

/** The path of the deepest node (at most MAX_PATH_SHOWN down) whose text holds `offset`: where a syntax error sits. */
export function pathAt(doc: Document, offset: number): PathSegment[] {
  const path: PathSegment[] = [];
  let node: unknown = doc.contents;
  while (path.length < MAX_PATH_SHOWN) {
    let next: { seg: PathSegment; node: unknown } | undefined;
    if (isMap(node)) {
      for (const p of node.items) {
        // A key with spaces is a value the parser misread as a key (bad indentation): stop above it.
        if (!isPair(p) || !isScalar(p.key) || /\s/.test(String(p.key.value))) continue;
        const start = (p.key as Node).range?.[0] ?? Infinity;
        const end = isNode(p.value) ? (p.value.range?.[2] ?? start) : ((p.key as Node).range?.[2] ?? start);
        if (offset >= start && offset <= end) next = { seg: String(p.key.value), node: p.value };
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const r = isNode(item) ? item.range : undefined;
        if (r && offset >= r[0] && offset <= r[2]) next = { seg: i, node: item };
      });
    }
    if (!next) break;
    path.push(next.seg);
    node = next.node;
  }
  return path;
}

/** The first collection nested deeper than MAX_DEPTH, found without recursion. */
function deepestNode(doc: Document): { path: PathSegment[]; offset: number } | undefined {
  const stack: Array<{ node: unknown; path: PathSegment[] }> = [{ node: doc.contents, path: [] }];
  while (stack.length) {
    const { node, path } = stack.pop()!;
    if (path.length > MAX_DEPTH) {
      return { path: path.slice(0, MAX_PATH_SHOWN), offset: isNode(node) ? (node.range?.[0] ?? 0) : 0 };
    }
    if (isMap(node)) {
      for (const p of node.items) if (isPair(p)) stack.push({ node: p.value, path: [...path, isScalar(p.key) ? String(p.key.value) : '?'] });
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, path: [...path, i] }));
    }
  }
  return undefined;
}

function firstAlias(doc: Document): Node | undefined {
  let found: Node | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (isAlias(node)) found = node;
      return visit.BREAK;
    },
  });
  return found;
}

function isNode(x: unknown): x is Node {
  return typeof x === 'object' && x !== null && 'range' in x;
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out || '(top level)';
}
