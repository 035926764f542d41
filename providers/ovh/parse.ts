import { createHash } from 'node:crypto';
import type { CurrentRecord, RecordRef } from '../kit/types.js';
import { ProviderError } from '../kit/errors.js';
import { parseRetryAfter } from '../kit/http.js';
import { canonicalIp, ipFamily, sameAddressSet } from '../kit/ip.js';
import { bareName } from '../kit/records.js';

/** Pure parts of the OVHcloud API: record parsing, the request signature, the error mapping. No I/O here. */

export interface OvhRecord {
  id: number;
  fieldType: string;
  subDomain: string;
  target: string;
  /** 0 or absent: the zone's default TTL. */
  ttl: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The record's name relative to the zone, as OVH's subDomain holds it: '' for the apex. */
export function subDomainOf(name: string, zone: string): string {
  if (name === zone) return '';
  if (!name.endsWith(`.${zone}`)) throw new ProviderError('fatal', `${name} is not inside OVH zone ${zone} (set zone to the zone that holds it)`);
  return name.slice(0, -zone.length - 1);
}

/** A domain.zone.Record, or undefined when it lacks what dnsfail needs (it is then ignored, never an error). */
export function parseRecord(body: unknown): OvhRecord | undefined {
  if (!isObject(body) || typeof body.id !== 'number' || typeof body.fieldType !== 'string' || typeof body.target !== 'string') return undefined;
  return { id: body.id, fieldType: body.fieldType, subDomain: typeof body.subDomain === 'string' ? body.subDomain : '', target: body.target, ttl: typeof body.ttl === 'number' ? body.ttl : 0 };
}

export function parseIds(body: unknown): number[] {
  if (!Array.isArray(body)) throw new ProviderError('transient', 'OVH answered the record list with something that is not a list of ids');
  return body.filter((id): id is number => typeof id === 'number');
}

/** The records of the ref's type at its name (addresses of the record's family only), and a CNAME there. */
export function recordsOf(records: OvhRecord[], ref: RecordRef, subDomain: string): { mine: OvhRecord[]; cname?: OvhRecord } {
  const family = ref.type === 'A' ? 4 : 6;
  const here = records.filter((r) => r.subDomain.toLowerCase() === subDomain.toLowerCase());
  const cname = here.find((r) => r.fieldType === 'CNAME');
  return { mine: here.filter((r) => r.fieldType === ref.type && ipFamily(r.target) === family), ...(cname ? { cname } : {}) };
}

/**
 * What the engine sees. A TTL of 0 means the zone's default, which the API does not tell: no TTL
 * then. Records that disagree report the lowest, so a write evens them out.
 */
export function toCurrent(found: { mine: OvhRecord[]; cname?: OvhRecord }): CurrentRecord | null {
  if (found.cname && found.mine.length === 0) return { values: [], cname: bareName(found.cname.target) };
  if (found.mine.length === 0) return null;
  const ttls = found.mine.map((r) => r.ttl);
  const ttl = Math.min(...ttls);
  return { values: [...new Set(found.mine.map((r) => canonicalIp(r.target)))], ...(ttl > 0 ? { ttl } : {}) };
}

/** X-Ovh-Signature: "$1$" + SHA-1 of secret+consumerKey+METHOD+full URL+body+timestamp joined by "+". */
export function ovhSignature(o: { applicationSecret: string; consumerKey: string; method: string; url: string; body: string; timestamp: number }): string {
  const text = [o.applicationSecret, o.consumerKey, o.method.toUpperCase(), o.url, o.body, String(o.timestamp)].join('+');
  return `$1$${createHash('sha1').update(text).digest('hex')}`;
}

const AUTH_CODES = new Set(['INVALID_SIGNATURE', 'INVALID_KEY', 'INVALID_CREDENTIAL', 'NOT_GRANTED_CALL', 'NOT_CREDENTIAL', 'FORBIDDEN']);

/** OVH's error body {"errorCode", "httpCode", "message"} mapped to the kit's kinds. */
export function classifyOvhError(status: number, body: string, headers: Record<string, string | string[] | undefined>): ProviderError {
  let code = '';
  let message = '';
  try {
    const data = JSON.parse(body) as unknown;
    if (isObject(data)) {
      code = typeof data.errorCode === 'string' ? data.errorCode : '';
      message = typeof data.message === 'string' ? data.message.slice(0, 300) : '';
    }
  } catch {
    // not OVH's envelope: status only
  }
  const text = `HTTP ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
  if (status === 401 || status === 403 || AUTH_CODES.has(code)) {
    return new ProviderError('auth', `${text} (check applicationKey, applicationSecret and consumerKey, and that the consumer key grants GET/POST/PUT/DELETE on /domain/zone/<zone>/*)`, { code });
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return new ProviderError('rate-limited', text, retryAfterMs === undefined ? {} : { retryAfterMs });
  }
  if (status >= 500 || status === 408) return new ProviderError('transient', text);
  if (status === 404) return new ProviderError('fatal', `${text} (check zone: the consumer key's account must hold it)`, { code });
  return new ProviderError('fatal', text, { code });
}

/** Which records to re-point or re-time (updates), which addresses to add, which ids to delete. */
export function planWrite(existing: OvhRecord[], wanted: string[], ttl: number): { updates: { id: number; target: string }[]; creates: string[]; deletes: number[] } {
  const keep = new Map<string, OvhRecord>();
  const spare: OvhRecord[] = [];
  for (const r of existing) {
    const v = wanted.find((w) => w === r.target || sameAddressSet([w], [r.target]));
    if (v !== undefined && !keep.has(v)) keep.set(v, r);
    else spare.push(r);
  }
  const updates = [...keep].filter(([, r]) => r.ttl !== ttl).map(([target, r]) => ({ id: r.id, target }));
  const creates: string[] = [];
  for (const v of wanted.filter((w) => !keep.has(w))) {
    const reuse = spare.shift();
    if (reuse) updates.push({ id: reuse.id, target: v });
    else creates.push(v);
  }
  return { updates, creates, deletes: spare.map((r) => r.id) };
}
