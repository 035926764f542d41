import { ProviderError } from '../kit/errors.js';
import { rateLimitWaitMs } from '../kit/http.js';
import type { ListedRecord } from '../kit/value-records.js';

/** Pure reading of DigitalOcean API v2 answers. No I/O here. */

/** DigitalOcean refuses TTLs under 30 seconds. */
export const MIN_TTL = 30;

/** The configured TTL as DigitalOcean stores it. */
export const digitaloceanTtl = (ttl: number): number => Math.max(MIN_TTL, Math.round(ttl));

/** When a 429 carries none of the rate-limit headers: DigitalOcean's budget is per minute (250) and per hour (5,000). */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The `{id, message}` error body, as one short phrase; '' when the body is not one. */
export function describeError(body: string): string {
  try {
    const data = JSON.parse(body) as unknown;
    if (!isObject(data) || typeof data.message !== 'string') return '';
    const message = data.message.replace(/\s+/g, ' ').trim().slice(0, 300);
    return typeof data.id === 'string' ? `${message} (${data.id})` : message;
  } catch {
    return '';
  }
}

/** HTTP error → ProviderError kind (the shared client's `classify`); the caller prefixes method and path. */
export function classifyDigitalOceanError(status: number, body: string, headers: Record<string, string | string[] | undefined>, now = Date.now()): ProviderError {
  const said = describeError(body);
  const detail = `HTTP ${status}${said ? `: ${said}` : ''}`;
  if (status === 429) {
    const wait = rateLimitWaitMs(headers, 'ratelimit-reset', now);
    return new ProviderError('rate-limited', `${detail} (rate limited; ${wait === undefined ? 'no ratelimit-reset header' : `resets in ${Math.ceil(wait / 1000)}s`})`, { retryAfterMs: wait ?? DEFAULT_RATE_LIMIT_WAIT_MS });
  }
  if (status === 401) return new ProviderError('auth', `${detail} (token rejected: create a personal access token with the domain scopes and set it as token)`);
  if (status === 403) return new ProviderError('auth', `${detail} (token lacks permission: it needs domain:read, domain:create, domain:update and domain:delete, or full read and write)`);
  if (status >= 500 || status === 408) return new ProviderError('transient', detail);
  return new ProviderError('fatal', detail);
}

export interface RecordPage {
  records: ListedRecord[];
  /** meta.total: every record the query matches, over all pages. */
  total: number;
  /** links.pages.next is there. */
  hasNext: boolean;
}

/**
 * One page of GET /v2/domains/{domain}/records, names made fully qualified ("@" is the apex). Items
 * that are not records are skipped here; whether a record is usable is decided only for the
 * records dnsfail manages (valueRecordsAt), so an odd record elsewhere never breaks a read.
 */
export function parseRecordPage(data: unknown, domain: string): RecordPage {
  if (!isObject(data) || !Array.isArray(data.domain_records)) throw new ProviderError('transient', 'DigitalOcean answered without a domain_records list');
  const meta = isObject(data.meta) ? data.meta : {};
  if (typeof meta.total !== 'number') throw new ProviderError('transient', 'DigitalOcean answered a record list without meta.total');
  const links = isObject(data.links) && isObject(data.links.pages) ? data.links.pages : {};
  return { records: data.domain_records.flatMap((r) => toListed(r, domain)), total: meta.total, hasNext: typeof links.next === 'string' };
}

function toListed(v: unknown, domain: string): ListedRecord[] {
  if (!isObject(v) || typeof v.type !== 'string' || typeof v.name !== 'string') return [];
  const name = v.name.toLowerCase().replace(/\.$/, '');
  return [
    {
      type: v.type.toUpperCase(),
      name: name === '@' || name === '' ? domain : `${name}.${domain}`,
      ...(typeof v.id === 'number' || (typeof v.id === 'string' && v.id !== '') ? { id: String(v.id) } : {}),
      ...(typeof v.data === 'string' ? { value: v.data } : {}),
      ...(typeof v.ttl === 'number' ? { ttl: v.ttl } : {}),
    },
  ];
}

/** The `name` DigitalOcean wants for a record: "@" for the apex, else the labels before the domain. */
export const recordName = (relative: string): string => (relative === '' ? '@' : relative);
