import { ProviderError } from '../kit/errors.js';
import { parseRetryAfter } from '../kit/http.js';
import { canonicalIp, ipFamily } from '../kit/ip.js';
import type { CurrentRecord, RecordRef } from '../kit/types.js';

/** Pure reading of Gandi LiveDNS v5 answers (https://api.gandi.net/docs/livedns/). No I/O here. */

export interface GandiRrset {
  name: string;
  type: string;
  ttl?: number;
  values: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Gandi's error envelope {code, message, object, cause, errors: [{location, name, description}]} in one line. */
export function errorDetail(body: string): string {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return '';
  }
  if (!isObject(data)) return '';
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const fields = Array.isArray(data.errors)
    ? data.errors.filter(isObject).map((e) => [text(e.name), text(e.description)].filter(Boolean).join(': '))
    : [];
  const head = [text(data.cause), text(data.message)].filter(Boolean).join(': ');
  return [head, ...fields].filter(Boolean).join('; ').replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** HTTP error → ProviderError kind (the HTTP client's `classify`). Gandi's messages never hold the token. */
export function classifyGandiError(status: number, body: string, headers: Record<string, string | string[] | undefined>): ProviderError {
  const detail = `Gandi HTTP ${status}${errorDetail(body) ? `: ${errorDetail(body)}` : ''}`;
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return new ProviderError('rate-limited', `${detail} (rate-limited by Gandi)`, retryAfterMs === undefined ? {} : { retryAfterMs });
  }
  if (status === 401) return new ProviderError('auth', `${detail} (token rejected: check the personal access token, sent as "Authorization: Bearer <token>"; API keys are not supported)`);
  if (status === 403) return new ProviderError('auth', `${detail} (the token lacks permission or has expired: give it "Manage domain name technical configurations" for this domain's organization)`);
  if (status >= 500 || status === 408) return new ProviderError('transient', detail);
  return new ProviderError('fatal', detail);
}

/**
 * The RRsets of a listing. An entry without name, type or values is skipped, not fatal: a record
 * dnsfail does not manage must never break the read of those it does.
 */
export function parseRrsets(data: unknown): GandiRrset[] {
  if (!Array.isArray(data)) throw new ProviderError('transient', 'Gandi returned a record list that is not an array');
  return data.flatMap((r) => {
    if (!isObject(r) || typeof r.rrset_name !== 'string' || typeof r.rrset_type !== 'string' || !Array.isArray(r.rrset_values)) return [];
    const values = r.rrset_values.filter((x): x is string => typeof x === 'string');
    return [{ name: r.rrset_name.toLowerCase(), type: r.rrset_type.toUpperCase(), ...(typeof r.rrset_ttl === 'number' ? { ttl: r.rrset_ttl } : {}), values }];
  });
}

/** `app.example.com` in `example.com` → `app`; the apex → `@`. */
export function rrsetName(name: string, zone: string): string {
  return name === zone ? '@' : name.slice(0, -(zone.length + 1));
}

/** What the name holds for this type: its addresses and TTL, `{values: [], cname}` for a CNAME, or null. */
export function currentOf(rrsets: GandiRrset[], name: string, ref: RecordRef): CurrentRecord | null {
  const cname = rrsets.find((r) => r.name === name && r.type === 'CNAME');
  if (cname) return { values: [], cname: (cname.values[0] ?? '').toLowerCase().replace(/\.$/, '') };
  const rrset = rrsets.find((r) => r.name === name && r.type === ref.type);
  if (!rrset || rrset.values.length === 0) return null;
  const family = ref.type === 'A' ? 4 : 6;
  return { values: rrset.values.filter((v) => ipFamily(v) === family).map(canonicalIp), ...(rrset.ttl !== undefined ? { ttl: rrset.ttl } : {}) };
}
