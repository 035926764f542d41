import { canonicalIp } from '../kit/ip.js';
import { presentTxt, txtOfPresentation } from '../kit/txt.js';
import { isInZone } from '../kit/dns-name.js';
import { ProviderError } from '../kit/errors.js';
import { bareName } from '../kit/records.js';
import type { CurrentRecord, RecordType } from '../kit/types.js';

/** A zone as GET /zones lists it: `id` is the URL component (PowerDNS escapes odd characters), `name` is lower case without the dot. */
export interface PdnsZone {
  id: string;
  name: string;
}

/** The wire form: PowerDNS wants canonical names, which end in a dot (else 422 "is not canonical"). */
export const wireName = (name: string): string => `${bareName(name)}.`;

const malformed = (what: string) => new ProviderError('transient', `PowerDNS: unexpected ${what} (not the Authoritative HTTP API?)`);

/**
 * The rrset of exactly this name and type from a `GET /zones/{zone}` body, with disabled records left
 * out (PowerDNS does not serve them). null when the rrset is absent or every record is disabled.
 */
export function findRrset(zone: unknown, name: string, type: RecordType): CurrentRecord | null {
  const rrsets = (zone as { rrsets?: unknown } | null)?.rrsets;
  if (!Array.isArray(rrsets)) throw malformed('zone body: no rrsets array');
  const want = bareName(name);
  let cname: string | undefined;
  for (const rr of rrsets as unknown[]) {
    const r = rr as { name?: unknown; type?: unknown; ttl?: unknown; records?: unknown };
    if (typeof r?.name !== 'string' || typeof r.type !== 'string') throw malformed('rrset without name or type');
    if (bareName(r.name) !== want) continue;
    if (r.type.toUpperCase() === 'CNAME') {
      const target = enabledContents(r)[0];
      if (target !== undefined) cname = bareName(target);
    }
    if (r.type.toUpperCase() !== type) continue;
    if (!Array.isArray(r.records)) throw malformed(`rrset ${r.name} ${r.type} without records`);
    const values = (r.records as unknown[])
      .filter((rec) => (rec as { disabled?: unknown })?.disabled !== true)
      .map((rec) => {
        const content = (rec as { content?: unknown })?.content;
        if (typeof content !== 'string') throw malformed(`record of ${r.name} ${r.type} without content`);
        return type === 'TXT' ? txtOfPresentation(content) : canonicalIp(content.trim());
      });
    if (values.length === 0) return null;
    return typeof r.ttl === 'number' ? { values, ttl: r.ttl } : { values };
  }
  return cname !== undefined ? { values: [], cname } : null;
}

/** The contents of an rrset's records that are not disabled; a rrset that is not dnsfail's is never a reason to fail. */
function enabledContents(r: { records?: unknown }): string[] {
  if (!Array.isArray(r.records)) return [];
  return (r.records as Array<{ content?: unknown; disabled?: unknown } | null>).flatMap((rec) => (rec?.disabled !== true && typeof rec?.content === 'string' ? [rec.content.trim()] : []));
}

/** The zones of a `GET /zones` body. */
export function parseZoneList(body: unknown): PdnsZone[] {
  if (!Array.isArray(body)) throw malformed('zone list (not an array)');
  return (body as unknown[]).map((z) => {
    const { id, name } = (z ?? {}) as { id?: unknown; name?: unknown };
    if (typeof name !== 'string') throw malformed('zone without a name');
    return { id: typeof id === 'string' ? id : wireName(name), name: bareName(name) };
  });
}

/** The most specific zone that contains `name` (a.sub.example.test → sub.example.test over example.test), or undefined. */
export function longestZoneFor(name: string, zones: readonly PdnsZone[]): PdnsZone | undefined {
  const want = bareName(name);
  let best: PdnsZone | undefined;
  for (const z of zones) if (isInZone(want, z.name) && (!best || z.name.length > best.name.length)) best = z;
  return best;
}

/** One rrset of a PATCH: its exact new contents; no values means delete it. */
export interface RrsetWrite {
  name: string;
  type: RecordType;
  values: string[];
  ttl: number;
}

/**
 * The PATCH body entry for one rrset: `REPLACE` with every record; an empty list deletes the rrset.
 * Not `DELETE`: the API description requires `ttl` and `records` in every rrset (4.7.3 and master).
 */
export function rrsetChange(w: RrsetWrite): Record<string, unknown> {
  const content = (v: string) => (w.type === 'TXT' ? presentTxt(v) : v);
  return { name: wireName(w.name), type: w.type, ttl: w.ttl, changetype: 'REPLACE', records: w.values.map((v) => ({ content: content(v), disabled: false })) };
}

/**
 * The rrsets a PATCH error names ("RRset app.example.test. IN A: Conflicts with pre-existing RRset",
 * "Record app.example.test./A '1.2.3': Parsing record content …"), as `name/TYPE` keys in RecordRef form.
 * PowerDNS refuses the whole PATCH for one bad rrset and names it, so the others can be sent again.
 */
export function rrsetsNamedIn(message: string): Set<string> {
  const out = new Set<string>();
  for (const m of message.matchAll(/\bRRset (\S+) IN ([A-Z]+)\b/g)) out.add(`${bareName(m[1]!)}/${m[2]}`);
  for (const m of message.matchAll(/\bRecord (\S+?)\/([A-Z]+) /g)) out.add(`${bareName(m[1]!)}/${m[2]}`);
  return out;
}

/** PowerDNS's `{"error": "…"}` message, when the body is that envelope. */
export function errorMessage(body: string): string | undefined {
  try {
    const e = (JSON.parse(body) as { error?: unknown } | null)?.error;
    return typeof e === 'string' && e.trim() !== '' ? e.trim().slice(0, 300) : undefined;
  } catch {
    return undefined;
  }
}
