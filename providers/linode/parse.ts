import { isInZone } from '../kit/dns-name.js';
import { ProviderError } from '../kit/errors.js';
import { rateLimitWaitMs } from '../kit/http.js';
import type { ListedRecord } from '../kit/value-records.js';

/** Pure reading of Linode API v4 answers. No I/O here. */

/**
 * The TTLs Linode stores; any other value is rounded up to the next one (Linode's Terraform
 * provider, roundDomainSeconds; the archived OpenAPI lists 300 as the smallest, see README.md).
 */
export const LINODE_TTLS = [30, 120, 300, 3600, 7200, 14400, 28800, 57600, 86400, 172800, 345600, 604800, 1209600, 2419200] as const;

/** The configured TTL as Linode stores it. */
export function linodeTtl(ttl: number): number {
  return LINODE_TTLS.find((t) => ttl <= t) ?? 2_419_200;
}

/** A domain's ttl_sec of 0 means this default. */
export const DEFAULT_DOMAIN_TTL = 86_400;

/** When a 429 carries neither Retry-After nor X-RateLimit-Reset. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

export interface LinodeDomain {
  id: number;
  /** Lower case, no trailing dot. */
  name: string;
  /** What a record's ttl_sec of 0 stands for. */
  defaultTtl: number;
}

export interface Page<T> {
  items: T[];
  pages: number;
  results: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The `errors[].reason` (and field) of an error body, joined; '' when the body is not one. */
export function describeErrors(body: string): string {
  try {
    const data = JSON.parse(body) as unknown;
    if (!isObject(data) || !Array.isArray(data.errors)) return '';
    return data.errors
      .flatMap((e) => (isObject(e) && typeof e.reason === 'string' ? [`${typeof e.field === 'string' ? `${e.field}: ` : ''}${e.reason.replace(/\s+/g, ' ').trim().slice(0, 300)}`] : []))
      .join('; ');
  } catch {
    return '';
  }
}

/** HTTP error → ProviderError kind (the shared client's `classify`); the caller prefixes method and path. */
export function classifyLinodeError(status: number, body: string, headers: Record<string, string | string[] | undefined>, now = Date.now()): ProviderError {
  const said = describeErrors(body);
  const detail = `HTTP ${status}${said ? `: ${said}` : ''}`;
  if (status === 429) {
    const wait = rateLimitWaitMs(headers, 'x-ratelimit-reset', now);
    return new ProviderError('rate-limited', `${detail} (rate limited; ${wait === undefined ? 'no Retry-After' : `retry in ${Math.ceil(wait / 1000)}s`})`, { retryAfterMs: wait ?? DEFAULT_RATE_LIMIT_WAIT_MS });
  }
  if (status === 401) return new ProviderError('auth', `${detail} (token rejected: create a personal access token with Domains Read/Write and set it as token)`);
  if (status === 403) return new ProviderError('auth', `${detail} (token lacks permission: it needs the Domains Read/Write scope, and a restricted user read_write on the domain)`);
  if (status >= 500 || status === 408) return new ProviderError('transient', detail);
  return new ProviderError('fatal', detail);
}

/** The {data, page, pages, results} envelope of a list; what a page holds is read by `item`. */
export function parsePage<T>(data: unknown, item: (v: unknown) => T[]): Page<T> {
  if (!isObject(data) || !Array.isArray(data.data)) throw new ProviderError('transient', 'Linode answered a list without a data array');
  if (typeof data.pages !== 'number' || typeof data.results !== 'number') throw new ProviderError('transient', 'Linode answered a list without pages and results');
  return { items: data.data.flatMap(item), pages: data.pages, results: data.results };
}

export function toDomain(v: unknown): LinodeDomain[] {
  if (!isObject(v) || typeof v.id !== 'number' || typeof v.domain !== 'string') return [];
  const ttl = typeof v.ttl_sec === 'number' && v.ttl_sec > 0 ? v.ttl_sec : DEFAULT_DOMAIN_TTL;
  return [{ id: v.id, name: v.domain.toLowerCase().replace(/\.$/, ''), defaultTtl: ttl }];
}

/**
 * A record with its name made fully qualified ("" is the apex) and a ttl_sec of 0 read as the
 * domain's default. Items that are not records are skipped; odd records of other names and types
 * are left for valueRecordsAt to ignore.
 */
export function toRecord(v: unknown, domain: LinodeDomain): ListedRecord[] {
  if (!isObject(v) || typeof v.type !== 'string') return [];
  const name = typeof v.name === 'string' ? v.name.toLowerCase().replace(/\.$/, '') : '';
  return [
    {
      type: v.type.toUpperCase(),
      name: name === '' || name === '@' ? domain.name : isInZone(name, domain.name) ? name : `${name}.${domain.name}`,
      ...(typeof v.id === 'number' ? { id: String(v.id) } : {}),
      ...(typeof v.target === 'string' ? { value: v.target } : {}),
      ...(typeof v.ttl_sec === 'number' ? { ttl: v.ttl_sec === 0 ? domain.defaultTtl : v.ttl_sec } : {}),
    },
  ];
}

/** The domain that holds `name`: the longest one that is a suffix of it. */
export function domainFor(name: string, domains: readonly LinodeDomain[]): LinodeDomain | undefined {
  return domains.filter((d) => isInZone(name, d.name)).sort((a, b) => b.name.length - a.name.length)[0];
}
