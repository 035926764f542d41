/**
 * RFC 1035 master-file text: parse into logical entries with their exact text spans, and rewrite
 * A/AAAA rrsets while leaving every other byte alone. Pure: no fs, no clock.
 */
import type { RecordType } from '../../src/core/types.js';
import { canonicalIp } from '../../src/util/ip.js';

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
  /** Effective TTL (explicit, else $TTL, else the previous record's, else SOA minimum for the SOA). */
  ttl: number | undefined;
  ttlToken: Token | null;
  classToken: Token | null;
  /** Upper case. */
  type: string;
  rdata: Token[];
  /** Every token of the entry, owner included. */
  tokens: Token[];
}

export type ZoneEntry = ZoneDirective | ZoneRecord;

export interface Rrset {
  values: string[];
  ttl?: number;
}

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
    entries.push({ kind: 'record', owner, ownerToken, ttl, ttlToken, classToken, type, rdata, tokens, ...span });
    lastOwner = owner;
    lastTtl = ttl;
  }
  return entries;
}

export const isRecord = (e: ZoneEntry): e is ZoneRecord => e.kind === 'record';

/** A/AAAA rrsets and CNAME owners of a parsed zone, built in one pass so many lookups cost one parse. */
export interface ZoneIndex {
  rrset(name: string, type: RecordType): Rrset | null;
  hasCname(name: string): boolean;
}

const rrsetKey = (owner: string, type: string) => `${owner}/${type}`;

export function indexZone(entries: ZoneEntry[]): ZoneIndex {
  const rrsets = new Map<string, { values: Set<string>; ttl: number | undefined }>();
  const cnames = new Set<string>();
  for (const r of entries) {
    if (r.kind !== 'record') continue;
    if (r.type === 'CNAME') cnames.add(r.owner);
    if (r.type !== 'A' && r.type !== 'AAAA') continue;
    const key = rrsetKey(r.owner, r.type);
    const set = rrsets.get(key) ?? rrsets.set(key, { values: new Set(), ttl: r.ttl }).get(key)!;
    set.values.add(canonicalIp(r.rdata[0]?.text ?? ''));
  }
  return {
    rrset(name, type) {
      const found = rrsets.get(rrsetKey(normalizeName(name), type));
      if (!found) return null;
      const values = [...found.values];
      return found.ttl === undefined ? { values } : { values, ttl: found.ttl };
    },
    hasCname: (name) => cnames.has(normalizeName(name)),
  };
}

/** Current values of `name`'s A or AAAA rrset, or null when it has none. */
export function readRrset(text: string, origin: string, name: string, type: RecordType): Rrset | null {
  return indexZone(parseZone(text, origin)).rrset(name, type);
}

/** Throws the edit error when `name` holds a CNAME, which A/AAAA records may not join. */
export function assertNoCname(index: ZoneIndex, name: string, type: RecordType): void {
  if (index.hasCname(name)) throw new ZoneTextError(`${normalizeName(name)} has a CNAME record, so it cannot also hold ${type} records`);
}

export interface RrsetChange {
  name: string;
  type: RecordType;
  /** None: remove the rrset. */
  values: string[];
  ttl: number;
}

/**
 * Make `name`'s `type` rrset hold exactly `values` (none: remove it). New records are written as
 * absolute names with explicit TTL and class, in place of the first old one, else at the end.
 */
export function replaceRrset(
  text: string,
  origin: string,
  name: string,
  type: RecordType,
  values: string[],
  ttl: number,
): string {
  return replaceRrsets(text, origin, [{ name, type, values, ttl }]);
}

/**
 * replaceRrset for many rrsets at once, in one parse and one pass over the entries (`entries` may be
 * passed when the caller already parsed `text`). Rrsets with no old records are appended in the order
 * given; a later change of the same rrset replaces an earlier one.
 */
export function replaceRrsets(text: string, origin: string, changes: RrsetChange[], entries = parseZone(text, origin)): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const pending = new Map<string, { owner: string; ttl: number; inserted: string; placed: boolean }>();
  let index: ZoneIndex | undefined;
  for (const c of changes) {
    const owner = normalizeName(c.name);
    if (c.values.length > 0) assertNoCname((index ??= indexZone(entries)), owner, c.type);
    const inserted = c.values.map((v) => `${owner}. ${c.ttl} IN ${c.type} ${v}${eol}`).join('');
    pending.set(rrsetKey(owner, c.type), { owner, ttl: c.ttl, inserted, placed: false });
  }

  let out = '';
  let cursor = 0;
  // What a blank owner / omitted TTL would inherit in the new text, to keep every kept record's meaning.
  let newLastOwner: string | undefined;
  let newLastTtl: number | undefined;
  let defaultTtl: number | undefined;
  for (const e of entries) {
    if (e.kind === 'directive') {
      if (e.name === '$TTL') defaultTtl = parseTtl(e.args[0]?.text ?? '');
      continue;
    }
    const change = e.type === 'A' || e.type === 'AAAA' ? pending.get(rrsetKey(e.owner, e.type)) : undefined;
    if (change) {
      out += text.slice(cursor, e.start);
      cursor = e.end;
      if (!change.placed && change.inserted) {
        out += change.inserted;
        newLastOwner = change.owner;
        newLastTtl = change.ttl;
      }
      change.placed = true;
      continue;
    }
    const soaMinimum = e.type === 'SOA' ? parseTtl(e.rdata[6]?.text ?? '') : undefined;
    const inheritedTtl = defaultTtl ?? newLastTtl ?? soaMinimum;
    const fixOwner = e.ownerToken === null && newLastOwner !== e.owner;
    const fixTtl = e.ttlToken === null && e.ttl !== undefined && inheritedTtl !== e.ttl;
    if (fixOwner || fixTtl) {
      out += text.slice(cursor, e.start) + rewriteInherited(text, e, fixOwner, fixTtl);
      cursor = e.end;
    }
    newLastOwner = e.owner;
    newLastTtl = e.ttl;
  }
  out += text.slice(cursor);
  const appended = [...pending.values()].filter((c) => !c.placed).map((c) => c.inserted).join('');
  if (appended && out.length > 0 && !out.endsWith('\n')) out += eol;
  return out + appended;
}

/** Spell out an owner or TTL the record used to inherit from a line that is now gone. */
function rewriteInherited(text: string, r: ZoneRecord, owner: boolean, ttl: boolean): string {
  let body = text.slice(r.start, r.end);
  if (ttl) {
    const afterOwner = r.tokens[r.ownerToken ? 1 : 0] as Token;
    const at = afterOwner.start - r.start;
    body = `${body.slice(0, at)}${r.ttl} ${body.slice(at)}`;
  }
  return owner ? `${r.owner}.${body}` : body;
}

/** The zone apex SOA record, or null. */
export function findApexSoa(text: string, origin: string): ZoneRecord | null {
  const apex = normalizeName(origin);
  return parseZone(text, origin).filter(isRecord).find((r) => r.owner === apex && r.type === 'SOA') ?? null;
}

export interface NewZoneOptions {
  zone: string;
  /** Absolute names; the first is also the SOA MNAME. */
  nameservers: string[];
  serial: number;
}

/** A minimal valid zone (like Debian's db.empty) for a file that does not exist yet. */
export function newZoneText({ zone, nameservers, serial }: NewZoneOptions): string {
  const apex = normalizeName(zone);
  const abs = (n: string) => `${normalizeName(n)}.`;
  const mname = abs(nameservers[0] ?? 'localhost.');
  const lines = [
    '; Managed by dnsfail: the records it manages are rewritten, every other line is kept as is.',
    `$ORIGIN ${apex}.`,
    '$TTL 60',
    `@ IN SOA ${mname} hostmaster.${apex}. (`,
    `    ${serial} ; serial`,
    '    3600 ; refresh',
    '    600 ; retry',
    '    86400 ; expire',
    '    60 ) ; negative-caching TTL',
    ...nameservers.map((ns) => `@ IN NS ${abs(ns)}`),
  ];
  return `${lines.join('\n')}\n`;
}
