/**
 * RFC 1035 master-file text parsed into logical entries with their exact text spans. Pure: no fs,
 * no clock.
 */

/** Syntax or edit problem. Messages carry line numbers, never the file's contents. */
export class ZoneTextError extends Error {
  readonly line?: number;
  constructor(message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'ZoneTextError';
    if (line !== undefined) this.line = line;
  }
}

export interface Token {
  /** Unquoted: as written. Quoted: the inside of the quotes. */
  text: string;
  /** Offsets into the whole text; `end` is exclusive and includes the closing quote. */
  start: number;
  end: number;
  quoted: boolean;
}

interface Span {
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** Offsets of the first line's start and just past the last line's terminator. */
  start: number;
  end: number;
}

export interface ZoneDirective extends Span {
  kind: 'directive';
  name: '$ORIGIN' | '$TTL';
  args: Token[];
}

export interface ZoneRecord extends Span {
  kind: 'record';
  /** Absolute, lower case, no trailing dot. */
  owner: string;
  /** null when the owner was left blank and inherited from the previous record. */
  ownerToken: Token | null;
  /** Effective TTL as BIND reads it (explicit, else $TTL, else the previous record's, else SOA minimum for the SOA). */
  ttl: number | undefined;
  ttlToken: Token | null;
  /**
   * No TTL on the record and no $TTL before it. The servers disagree on what it means: BIND (and
   * CoreDNS, PowerDNS) serve the previous record's TTL (`ttl`), Knot and NSD their default TTL.
   */
  ttlUnstated: boolean;
  /** A CNAME's target: absolute, lower case, no trailing dot. */
  target?: string;
  classToken: Token | null;
  /** Upper case. */
  type: string;
  rdata: Token[];
  /** Every token of the entry, owner included. */
  tokens: Token[];
}

export type ZoneEntry = ZoneDirective | ZoneRecord;

const MAX_TTL = 2 ** 31 - 1;
const CLASS_RE = /^(IN|CH|HS|CS|CLASS\d+)$/i;
const TYPE_RE = /^[A-Z][A-Z0-9-]*$/i;

/** Lower case, no trailing dot; "" is the root. */
export function normalizeName(name: string): string {
  const lower = name.trim().toLowerCase();
  return endsWithUnescapedDot(lower) ? lower.slice(0, -1) : lower;
}

function endsWithUnescapedDot(s: string): boolean {
  if (!s.endsWith('.')) return false;
  let backslashes = 0;
  for (let i = s.length - 2; i >= 0 && s[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 0;
}

function resolveName(raw: string, origin: string): string {
  if (raw === '@') return origin;
  const lower = raw.toLowerCase();
  if (endsWithUnescapedDot(lower)) return lower.slice(0, -1);
  return origin === '' ? lower : `${lower}.${origin}`;
}

/** Seconds from `3600` or BIND's unit form `1h30m`; undefined when the token is not a TTL. */
export function parseTtl(raw: string): number | undefined {
  let seconds: number;
  if (/^\d+$/.test(raw)) seconds = Number(raw);
  else if (/^(\d+[wdhms])+$/i.test(raw)) {
    const unit: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };
    seconds = 0;
    for (const m of raw.toLowerCase().matchAll(/(\d+)([wdhms])/g)) seconds += Number(m[1]) * (unit[m[2] ?? 's'] ?? 1);
  } else return undefined;
  return seconds <= MAX_TTL ? seconds : undefined;
}

const isLineSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r';
const ENDS_PLAIN_TOKEN = new Set([' ', '\t', '\r', '\n', ';', '(', ')', '"']);

interface RawEntry extends Span {
  tokens: Token[];
  blankOwner: boolean;
}

/** Split into logical entries: one per record or directive, parentheses joining lines. */
function* rawEntries(text: string): Generator<RawEntry> {
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const start = i;
    const startLine = line;
    const blankOwner = isLineSpace(text[i]) && text[i] !== '\r';
    const tokens: Token[] = [];
    let depth = 0;
    let endLine = line;
    while (i < text.length) {
      const c = text[i];
      if (c === '\n') {
        endLine = line;
        line++;
        i++;
        if (depth === 0) break;
        continue;
      }
      endLine = line;
      if (isLineSpace(c)) i++;
      else if (c === ';') while (i < text.length && text[i] !== '\n') i++;
      else if (c === '(') {
        depth++;
        i++;
      } else if (c === ')') {
        if (depth === 0) throw new ZoneTextError('")" without a matching "("', line);
        depth--;
        i++;
      } else if (c === '"') {
        let j = i + 1;
        while (j < text.length && text[j] !== '"') {
          if (text[j] === '\n') throw new ZoneTextError('unterminated quoted string', line);
          j += text[j] === '\\' && text[j + 1] !== '\n' ? 2 : 1;
        }
        if (j >= text.length) throw new ZoneTextError('unterminated quoted string', line);
        tokens.push({ text: text.slice(i + 1, j), start: i, end: j + 1, quoted: true });
        i = j + 1;
      } else {
        let j = i;
        while (j < text.length && !ENDS_PLAIN_TOKEN.has(text[j] as string)) {
          j += text[j] === '\\' && j + 1 < text.length && text[j + 1] !== '\n' ? 2 : 1;
        }
        tokens.push({ text: text.slice(i, j), start: i, end: j, quoted: false });
        i = j;
      }
    }
    if (depth > 0) throw new ZoneTextError('"(" is never closed', startLine);
    if (tokens.length > 0) yield { tokens, blankOwner, start, end: i, startLine, endLine };
  }
}

/** Parse master-file text. `origin` is the zone's name; `$ORIGIN` lines switch it. */
export function parseZone(text: string, origin: string): ZoneEntry[] {
  let currentOrigin = normalizeName(origin);
  let defaultTtl: number | undefined;
  let lastTtl: number | undefined;
  let lastOwner: string | undefined;
  const entries: ZoneEntry[] = [];

  for (const raw of rawEntries(text)) {
    const { tokens, blankOwner, ...span } = raw;
    const first = tokens[0] as Token;
    if (!blankOwner && !first.quoted && first.text.startsWith('$')) {
      const name = first.text.toUpperCase();
      const arg = tokens[1];
      if (name === '$INCLUDE' || name === '$GENERATE') {
        throw new ZoneTextError(`${name} is not supported in a zone file that dnsfail manages`, span.startLine);
      }
      if (name !== '$ORIGIN' && name !== '$TTL') {
        const shown = /^\$[A-Z]{1,20}$/.test(name) ? ` ${name}` : '';
        throw new ZoneTextError(`unknown directive${shown}`, span.startLine);
      }
      if (!arg) throw new ZoneTextError(`${name} needs a value`, span.startLine);
      if (name === '$ORIGIN') {
        if (arg.text === '@') throw new ZoneTextError('$ORIGIN needs a domain name', span.startLine);
        currentOrigin = resolveName(arg.text, currentOrigin);
      } else {
        defaultTtl = parseTtl(arg.text);
        if (defaultTtl === undefined) throw new ZoneTextError('$TTL needs a number of seconds', span.startLine);
      }
      entries.push({ kind: 'directive', name, args: tokens.slice(1), ...span });
      continue;
    }

    let k = 0;
    let ownerToken: Token | null = null;
    let owner: string;
    if (blankOwner) {
      if (lastOwner === undefined) throw new ZoneTextError('blank owner name with no previous owner', span.startLine);
      owner = lastOwner;
    } else {
      ownerToken = first;
      owner = resolveName(first.text, currentOrigin);
      k = 1;
    }
    let ttlToken: Token | null = null;
    let classToken: Token | null = null;
    for (let n = 0; n < 2; n++) {
      const t = tokens[k];
      if (!t || t.quoted) break;
      if (!ttlToken && parseTtl(t.text) !== undefined) ttlToken = t;
      else if (!classToken && CLASS_RE.test(t.text)) classToken = t;
      else break;
      k++;
    }
    const typeToken = tokens[k];
    if (!typeToken || typeToken.quoted || !TYPE_RE.test(typeToken.text)) {
      throw new ZoneTextError('expected a record type', span.startLine);
    }
    const type = typeToken.text.toUpperCase();
    const rdata = tokens.slice(k + 1);
    const soaMinimum = type === 'SOA' ? parseTtl(rdata[6]?.text ?? '') : undefined;
    const ttl = ttlToken ? parseTtl(ttlToken.text) : (defaultTtl ?? lastTtl ?? soaMinimum);
    const ttlUnstated = !ttlToken && defaultTtl === undefined;
    const target = type === 'CNAME' && rdata[0] && !rdata[0].quoted ? { target: resolveName(rdata[0].text, currentOrigin) } : {};
    entries.push({ kind: 'record', owner, ownerToken, ttl, ttlToken, ttlUnstated, classToken, type, rdata, tokens, ...target, ...span });
    lastOwner = owner;
    lastTtl = ttl;
  }
  return entries;
}

export const isRecord = (e: ZoneEntry): e is ZoneRecord => e.kind === 'record';

