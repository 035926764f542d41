import type { CurrentRecord, RecordType } from '../kit/types.js';
import { ProviderError } from '../kit/errors.js';
import { parseRetryAfter } from '../kit/http.js';
import { canonicalIp, ipFamily } from '../kit/ip.js';
import { bareName } from '../kit/records.js';

/** Pure reading of Azure DNS (ARM, api-version 2018-05-01) answers. No I/O here. */

export interface AzureRecordSet {
  etag: string | undefined;
  ttl: number | undefined;
  values: string[];
  /** Target of a CNAME record set (lower case, no trailing dot). */
  cname?: string;
  metadata?: Record<string, string>;
  /** Set when the record set is an alias to an Azure resource (targetResourceId) instead of addresses. */
  alias?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The record set's name relative to the zone, as the URL takes it: "@" for the apex. */
export function relativeName(name: string, zone: string): string {
  if (name === zone) return '@';
  if (!name.endsWith(`.${zone}`)) throw new ProviderError('fatal', `${name} is not inside Azure DNS zone ${zone} (set zone to the zone that holds it)`);
  return name.slice(0, -zone.length - 1);
}

/**
 * A RecordSet answer. Entries without the address field, or with an address of the other family,
 * are skipped: a record set edited by hand must not break the read.
 */
export function parseRecordSet(body: unknown, type: RecordType | 'CNAME'): AzureRecordSet {
  if (!isObject(body) || !isObject(body.properties)) throw new ProviderError('transient', 'Azure answered a record set without "properties"');
  const p = body.properties;
  const out: AzureRecordSet = { etag: typeof body.etag === 'string' ? body.etag : undefined, ttl: typeof p.TTL === 'number' ? p.TTL : undefined, values: [] };
  if (typeof p.targetResourceId === 'string' && p.targetResourceId !== '') out.alias = p.targetResourceId;
  if (isObject(p.metadata)) out.metadata = Object.fromEntries(Object.entries(p.metadata).filter((e): e is [string, string] => typeof e[1] === 'string'));
  if (type === 'CNAME') {
    const target = isObject(p.CNAMERecord) ? p.CNAMERecord.cname : undefined;
    if (typeof target === 'string' && target !== '') out.cname = bareName(target);
    return out;
  }
  const [list, field, family] = type === 'A' ? [p.ARecords, 'ipv4Address', 4] : [p.AAAARecords, 'ipv6Address', 6];
  if (Array.isArray(list)) {
    for (const r of list) {
      const v = isObject(r) ? r[field] : undefined;
      if (typeof v === 'string' && ipFamily(v) === family) out.values.push(canonicalIp(v));
    }
  }
  return out;
}

export function toCurrent(set: AzureRecordSet): CurrentRecord | null {
  if (set.cname !== undefined) return { values: [], cname: set.cname };
  // An A record set with no addresses left (all removed in the portal) serves nothing: treat as missing.
  if (set.values.length === 0) return null;
  return { values: set.values, ...(set.ttl !== undefined ? { ttl: set.ttl } : {}) };
}

/** The PUT body: the whole record set (metadata kept, as a PUT replaces it). */
export function recordSetBody(type: RecordType, values: string[], ttl: number, metadata?: Record<string, string>): unknown {
  const records = type === 'A' ? { ARecords: values.map((ipv4Address) => ({ ipv4Address })) } : { AAAARecords: values.map((ipv6Address) => ({ ipv6Address })) };
  return { properties: { TTL: ttl, ...(metadata && Object.keys(metadata).length ? { metadata } : {}), ...records } };
}

/** CloudError: {"error": {"code", "message"}} → "Code: message"; '' when the body is not one. */
export function cloudError(body: string): { code: string; message: string } {
  try {
    const data = JSON.parse(body) as unknown;
    const e = isObject(data) && isObject(data.error) ? data.error : undefined;
    return { code: typeof e?.code === 'string' ? e.code : '', message: typeof e?.message === 'string' ? e.message.slice(0, 300) : '' };
  } catch {
    return { code: '', message: '' };
  }
}

/** Azure's error answers mapped to the kit's kinds (ARM: 401/403 auth, 412 etag mismatch, 429 + Retry-After). */
export function classifyAzureError(status: number, body: string, headers: Record<string, string | string[] | undefined>): ProviderError {
  const { code, message } = cloudError(body);
  const text = `HTTP ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
  if (status === 401 || status === 403) return new ProviderError('auth', `${text} (the service principal or managed identity needs the "DNS Zone Contributor" role on the zone)`, { code });
  if (status === 412) return new ProviderError('conflict', `${text} (the record set changed since it was read; not overwriting)`, { code });
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return new ProviderError('rate-limited', text, retryAfterMs === undefined ? {} : { retryAfterMs });
  }
  if (status >= 500 || status === 408) return new ProviderError('transient', text);
  if (status === 404) return new ProviderError('fatal', `${text} (check subscriptionId, resourceGroup and zone)`, { code });
  return new ProviderError('fatal', text, { code });
}
