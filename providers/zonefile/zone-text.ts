/**
 * Rewriting A/AAAA and TXT rrsets of RFC 1035 master-file text while leaving every other byte alone.
 * Pure: no fs, no clock.
 */
import type { RecordType } from '../kit/types.js';
import { canonicalIp } from '../kit/ip.js';
import { presentTxt, unescapeTxt } from '../kit/txt.js';
import { isRecord, normalizeName, parseTtl, parseZone, ZoneTextError, type Token, type ZoneEntry, type ZoneRecord } from './zone-parse.js';

export { isRecord, normalizeName, parseTtl, parseZone, ZoneTextError, type Token, type ZoneDirective, type ZoneEntry, type ZoneRecord } from './zone-parse.js';

export interface Rrset {
  values: string[];
  ttl?: number;
}

/** The rrset types dnsfail rewrites. */
const MANAGED = new Set(['A', 'AAAA', 'TXT']);

/** A TXT record's text: its character-strings, escapes decoded, joined. */
const txtText = (rdata: readonly Token[]): string => rdata.map((t) => unescapeTxt(t.text)).join('');

/** A/AAAA/TXT rrsets and CNAMEs of a parsed zone, built in one pass so many lookups cost one parse. */
export interface ZoneIndex {
  /** The rrset's TTL is left out when the file does not state it (see ZoneRecord.ttlUnstated). */
  rrset(name: string, type: RecordType): Rrset | null;
  /** The target of the CNAME `name` holds, or undefined. */
  cname(name: string): string | undefined;
}

const rrsetKey = (owner: string, type: string) => `${owner}/${type}`;

export function indexZone(entries: ZoneEntry[]): ZoneIndex {
  const rrsets = new Map<string, { values: Set<string>; ttl: number | undefined }>();
  const cnames = new Map<string, string>();
  for (const r of entries) {
    if (r.kind !== 'record') continue;
    if (r.type === 'CNAME') cnames.set(r.owner, r.target ?? '');
    if (!MANAGED.has(r.type)) continue;
    const key = rrsetKey(r.owner, r.type);
    const set = rrsets.get(key) ?? rrsets.set(key, { values: new Set(), ttl: r.ttlUnstated ? undefined : r.ttl }).get(key)!;
    set.values.add(r.type === 'TXT' ? txtText(r.rdata) : canonicalIp(r.rdata[0]?.text ?? ''));
  }
  return {
    rrset(name, type) {
      const found = rrsets.get(rrsetKey(normalizeName(name), type));
      if (!found) return null;
      const values = [...found.values];
      return found.ttl === undefined ? { values } : { values, ttl: found.ttl };
    },
    cname: (name) => cnames.get(normalizeName(name)),
  };
}

/** Current values of `name`'s A, AAAA or TXT rrset, or null when it has none. */
export function readRrset(text: string, origin: string, name: string, type: RecordType): Rrset | null {
  return indexZone(parseZone(text, origin)).rrset(name, type);
}

/** Throws the edit error when `name` holds a CNAME, which A/AAAA records may not join. */
export function assertNoCname(index: ZoneIndex, name: string, type: RecordType): void {
  if (index.cname(name) !== undefined) throw new ZoneTextError(`${normalizeName(name)} has a CNAME record, so it cannot also hold ${type} records`);
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
export function replaceRrset(text: string, origin: string, name: string, type: RecordType, values: string[], ttl: number): string {
  return replaceRrsets(text, origin, [{ name, type, values, ttl }]);
}

interface Pending {
  owner: string;
  ttl: number;
  inserted: string;
  placed: boolean;
}

/**
 * replaceRrset for many rrsets at once, in one parse and one pass over the entries (`entries` may be
 * passed when the caller already parsed `text`). Rrsets with no old records are appended in the order
 * given; a later change of the same rrset replaces an earlier one.
 *
 * Every kept record keeps its meaning: a blank owner that came from a removed line is written out.
 * A record whose TTL the file does not state (no TTL, no $TTL) is never given one, because Knot and
 * NSD serve their default TTL for it; so that BIND, which serves the previous record's TTL, serves
 * the same too, new records go to the end of the file rather than before such a record, and an edit
 * that would still change its TTL for BIND is refused.
 */
export function replaceRrsets(text: string, origin: string, changes: RrsetChange[], entries = parseZone(text, origin)): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const pending = new Map<string, Pending>();
  let index: ZoneIndex | undefined;
  for (const c of changes) {
    const owner = normalizeName(c.name);
    if (c.values.length > 0) assertNoCname((index ??= indexZone(entries)), owner, c.type);
    const inserted = c.values.map((v) => `${owner}. ${c.ttl} IN ${c.type} ${c.type === 'TXT' ? presentTxt(v) : v}${eol}`).join('');
    pending.set(rrsetKey(owner, c.type), { owner, ttl: c.ttl, inserted, placed: false });
  }
  const changeOf = (e: ZoneEntry) => (e.kind === 'record' && MANAGED.has(e.type) ? pending.get(rrsetKey(e.owner, e.type)) : undefined);

  let out = '';
  let cursor = 0;
  // What a blank owner / omitted TTL would inherit in the new text, to keep every kept record's meaning.
  let newLastOwner: string | undefined;
  let newLastTtl: number | undefined;
  entries.forEach((e, at) => {
    if (e.kind === 'directive') return;
    const change = changeOf(e);
    if (change) {
      out += text.slice(cursor, e.start);
      cursor = e.end;
      if (!change.placed && change.inserted && !unstatedTtlFollows(entries, at, change.ttl, changeOf)) {
        out += change.inserted;
        newLastOwner = change.owner;
        newLastTtl = change.ttl;
        change.placed = true;
      }
      if (!change.inserted) change.placed = true;
      return;
    }
    const soaMinimum = e.type === 'SOA' ? parseTtl(e.rdata[6]?.text ?? '') : undefined;
    if (e.ttlUnstated && (newLastTtl ?? soaMinimum) !== e.ttl) {
      throw new ZoneTextError(
        `this record has no TTL and no $TTL comes before it, so BIND serves it with the previous record's TTL (${e.ttl ?? 'none'}) and Knot and NSD with their default TTL; the edit would change that, so nothing was written: give line ${e.startLine} a TTL or add a $TTL line`,
        e.startLine,
      );
    }
    const fixOwner = e.ownerToken === null && newLastOwner !== e.owner;
    if (fixOwner) {
      out += `${text.slice(cursor, e.start)}${e.owner}.${text.slice(e.start, e.end)}`;
      cursor = e.end;
    }
    newLastOwner = e.owner;
    newLastTtl = e.ttl;
  });
  out += text.slice(cursor);
  const appended = [...pending.values()].filter((c) => !c.placed).map((c) => c.inserted).join('');
  if (appended && out.length > 0 && !out.endsWith('\n')) out += eol;
  return out + appended;
}

/** Is the next kept record after entries[at] one with an unstated TTL that a record of `ttl` before it would change for BIND? */
function unstatedTtlFollows(entries: ZoneEntry[], at: number, ttl: number, changeOf: (e: ZoneEntry) => Pending | undefined): boolean {
  for (let i = at + 1; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.kind === 'directive') {
      if (e.name === '$TTL') return false;
      continue;
    }
    if (changeOf(e)) continue;
    return e.ttlUnstated && e.ttl !== ttl;
  }
  return false;
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
