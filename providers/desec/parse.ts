import { ProviderError } from '../kit/errors.js';
import { parseRetryAfter } from '../kit/http.js';
import { canonicalIp, ipFamily } from '../kit/ip.js';
import type { CurrentRecord, RecordRef } from '../kit/types.js';

/** Pure reading of deSEC API answers (https://desec.readthedocs.io/en/latest/dns/rrsets.html). No I/O here. */

export interface DesecDomain {
  name: string;
  /** Smallest TTL an RRset of this domain may have (often 3600). */
  minimumTtl: number;
}

export interface DesecRrset {
  subname: string;
  type: string;
  ttl?: number;
  records: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** deSEC's error body: {"detail": "..."}, a field map {"ttl": ["..."]}, or a list of those (bulk requests). */
export function errorDetail(body: unknown): string {
  let data = body;
  if (typeof body === 'string') {
    try {
      data = JSON.parse(body) as unknown;
    } catch {
      return '';
    }
  }
  const one = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return v.map(one).filter(Boolean).join('; ');
    if (!isObject(v)) return '';
    if (typeof v.detail === 'string') return v.detail;
    return Object.entries(v)
      .map(([k, x]) => (one(x) ? `${k}: ${one(x)}` : ''))
      .filter(Boolean)
      .join('; ');
  };
  return one(data).replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** HTTP error → ProviderError kind (the HTTP client's `classify`). deSEC's messages never hold the token. */
export function classifyDesecError(status: number, body: string, headers: Record<string, string | string[] | undefined>): ProviderError {
  const detail = `deSEC HTTP ${status}${errorDetail(body) ? `: ${errorDetail(body)}` : ''}`;
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return new ProviderError('rate-limited', `${detail} (throttled by deSEC)`, retryAfterMs === undefined ? {} : { retryAfterMs });
  }
  if (status === 401) return new ProviderError('auth', `${detail} (token rejected: check the token, sent as "Authorization: Token <token>")`);
  if (status === 403) return new ProviderError('auth', `${detail} (the token lacks permission: check its token policies for this domain)`);
  if (status >= 500 || status === 408) return new ProviderError('transient', detail);
  return new ProviderError('fatal', detail);
}

export function parseDomain(v: unknown): DesecDomain | null {
  if (!isObject(v) || typeof v.name !== 'string') return null;
  return { name: v.name.toLowerCase().replace(/\.$/, ''), minimumTtl: typeof v.minimum_ttl === 'number' ? v.minimum_ttl : 3600 };
}

export function parseDomainList(data: unknown): DesecDomain[] {
  if (!Array.isArray(data)) throw new ProviderError('transient', 'deSEC returned a domain list that is not an array');
  return data.flatMap((d) => parseDomain(d) ?? []);
}

/**
 * The RRsets of a listing. An entry without subname, type or records is skipped, not fatal: a record
 * dnsfail does not manage must never break the read of those it does.
 */
export function parseRrsetList(data: unknown): DesecRrset[] {
  if (!Array.isArray(data)) throw new ProviderError('transient', 'deSEC returned an RRset list that is not an array');
  return data.flatMap((r) => {
    if (!isObject(r) || typeof r.type !== 'string' || !Array.isArray(r.records)) return [];
    const subname = typeof r.subname === 'string' ? r.subname : '';
    const records = r.records.filter((x): x is string => typeof x === 'string');
    return [{ subname: subname.toLowerCase(), type: r.type.toUpperCase(), ...(typeof r.ttl === 'number' ? { ttl: r.ttl } : {}), records }];
  });
}

/** The cursor of the `rel="next"` link of a Link header, or undefined on the last page. */
export function nextCursor(link: string | string[] | undefined): string | undefined {
  const text = Array.isArray(link) ? link.join(', ') : (link ?? '');
  for (const part of text.split(/,\s*(?=<)/)) {
    const m = /^<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (!m || !/rel="?next"?/.test(m[2]!)) continue;
    try {
      return new URL(m[1]!, 'http://x').searchParams.get('cursor') ?? undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** `app.example.com` in `example.com` → `app`; the apex → ''. */
export function subnameOf(name: string, domain: string): string {
  return name === domain ? '' : name.slice(0, -(domain.length + 1));
}

/** What the name holds for this type: its addresses and TTL, `{values: [], cname}` for a CNAME, or null. */
export function currentOf(rrsets: DesecRrset[], subname: string, ref: RecordRef): CurrentRecord | null {
  const cname = rrsets.find((r) => r.subname === subname && r.type === 'CNAME');
  if (cname) return { values: [], cname: (cname.records[0] ?? '').toLowerCase().replace(/\.$/, '') };
  const rrset = rrsets.find((r) => r.subname === subname && r.type === ref.type);
  if (!rrset || rrset.records.length === 0) return null;
  const family = ref.type === 'A' ? 4 : 6;
  const values = rrset.records.filter((v) => ipFamily(v) === family).map(canonicalIp);
  return { values, ...(rrset.ttl !== undefined ? { ttl: rrset.ttl } : {}) };
}
