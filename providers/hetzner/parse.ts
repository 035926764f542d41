import { ProviderError } from '../kit/errors.js';
import { parseRetryAfter } from '../kit/http.js';
import { canonicalIp, ipFamily } from '../kit/ip.js';
import type { CurrentRecord, RecordRef } from '../kit/types.js';

/** Pure reading of Hetzner Cloud API answers (zones/RRSets and Actions). No I/O here. */

export interface HcloudRrset {
  /** Relative to the zone, '@' for the apex. */
  name: string;
  type: string;
  /** null: the zone's default TTL applies. */
  ttl: number | null;
  values: string[];
}

export interface HcloudAction {
  id: number;
  status: 'running' | 'success' | 'error';
  error?: string;
}

export interface RrsetPage {
  rrsets: HcloudRrset[];
  nextPage: number | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{"error": {"code", "message"}}` → its code and message; undefined when the body is not one. */
export function apiError(body: string): { code: string; message: string } | undefined {
  try {
    const data = JSON.parse(body) as unknown;
    if (isObject(data) && isObject(data.error) && typeof data.error.code === 'string') {
      return { code: data.error.code, message: typeof data.error.message === 'string' ? data.error.message.replace(/\s+/g, ' ').slice(0, 300) : '' };
    }
  } catch {
    // not JSON: a proxy's page
  }
  return undefined;
}

/** Hetzner refills one request a second; RateLimit-Reset is when the whole budget is back. */
export function rateLimitWaitMs(headers: Record<string, string | string[] | undefined>, now = Date.now()): number {
  const retryAfter = parseRetryAfter(headers['retry-after'], now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = Number(Array.isArray(headers['ratelimit-reset']) ? headers['ratelimit-reset'][0] : headers['ratelimit-reset']);
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, Math.min(reset * 1000 - now, 1000)) : 1000;
}

/** HTTP error → ProviderError kind (the HTTP client's `classify`). Hetzner's messages never hold the token. */
export function classifyHetznerError(status: number, body: string, headers: Record<string, string | string[] | undefined>): ProviderError {
  const e = apiError(body);
  const detail = `Hetzner HTTP ${status}${e ? `: ${e.message} (${e.code})` : ''}`;
  const opts = e ? { code: e.code } : {};
  if (status === 429 || e?.code === 'rate_limit_exceeded') {
    return new ProviderError('rate-limited', `${detail} (rate limited; RateLimit-Remaining ${String(headers['ratelimit-remaining'] ?? '?')})`, { ...opts, retryAfterMs: rateLimitWaitMs(headers) });
  }
  if (status === 401) return new ProviderError('auth', `${detail} (token rejected: use an API token of the Hetzner Console project that holds the zone)`, opts);
  if (status === 403) return new ProviderError('auth', `${detail} (the token lacks permission: it needs Read & Write)`, opts);
  if (status >= 500 || status === 408 || e?.code === 'conflict' || e?.code === 'locked') return new ProviderError('transient', detail, opts);
  return new ProviderError('fatal', detail, opts);
}

/**
 * One page of `GET /zones/{zone}/rrsets`. An entry without name, type or records is skipped, not
 * fatal: a record dnsfail does not manage must never break the read of those it does.
 */
export function parseRrsetPage(data: unknown): RrsetPage {
  if (!isObject(data) || !Array.isArray(data.rrsets)) throw new ProviderError('transient', 'Hetzner returned an RRSet list without "rrsets"');
  const rrsets = data.rrsets.flatMap((r): HcloudRrset[] => {
    if (!isObject(r) || typeof r.name !== 'string' || typeof r.type !== 'string' || !Array.isArray(r.records)) return [];
    const values = r.records.flatMap((x) => (isObject(x) && typeof x.value === 'string' ? [x.value] : []));
    return [{ name: r.name.toLowerCase(), type: r.type.toUpperCase(), ttl: typeof r.ttl === 'number' ? r.ttl : null, values }];
  });
  const pagination = isObject(data.meta) && isObject(data.meta.pagination) ? data.meta.pagination : {};
  return { rrsets, nextPage: typeof pagination.next_page === 'number' ? pagination.next_page : null };
}

export function parseAction(data: unknown): HcloudAction {
  const a = isObject(data) ? data.action : undefined;
  if (!isObject(a) || typeof a.id !== 'number' || !['running', 'success', 'error'].includes(String(a.status))) {
    throw new ProviderError('transient', 'Hetzner returned an answer without a valid action');
  }
  const error = isObject(a.error) && typeof a.error.message === 'string' ? `${a.error.message}${typeof a.error.code === 'string' ? ` (${a.error.code})` : ''}` : undefined;
  return { id: a.id, status: a.status as HcloudAction['status'], ...(error ? { error } : {}) };
}

/** `app.example.com` in `example.com` → `app`; the apex → `@`. */
export function rrName(name: string, zone: string): string {
  return name === zone ? '@' : name.slice(0, -(zone.length + 1));
}

/**
 * What the name holds for this type: addresses and TTL (none when the RRSet has no TTL of its own
 * and the zone's default applies), `{values: [], cname}` for a CNAME, or null.
 */
export function currentOf(rrsets: HcloudRrset[], name: string, ref: RecordRef): CurrentRecord | null {
  const cname = rrsets.find((r) => r.name === name && r.type === 'CNAME');
  if (cname) return { values: [], cname: (cname.values[0] ?? '').toLowerCase().replace(/\.$/, '') };
  const rrset = rrsets.find((r) => r.name === name && r.type === ref.type);
  if (!rrset || rrset.values.length === 0) return null;
  const family = ref.type === 'A' ? 4 : 6;
  const values = rrset.values.filter((v) => ipFamily(v) === family).map(canonicalIp);
  return { values, ...(rrset.ttl !== null ? { ttl: rrset.ttl } : {}) };
}
