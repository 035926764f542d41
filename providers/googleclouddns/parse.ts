import type { CurrentRecord, RecordRef } from '../kit/types.js';
import { ProviderError } from '../kit/errors.js';
import { parseRetryAfter } from '../kit/http.js';
import { canonicalIp, ipFamily } from '../kit/ip.js';
import { bareName } from '../kit/records.js';

/** Pure reading of Cloud DNS v1 answers and service-account keys. No I/O here. */

/** A ResourceRecordSet as Google holds it: a deletion must repeat it exactly. */
export interface GRrset {
  name: string;
  type: string;
  ttl?: number;
  rrdatas: string[];
}

export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  privateKeyId?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One page of ResourceRecordSetsListResponse. Entries without a name or type are skipped. */
export function parseRrsetPage(body: unknown): { rrsets: GRrset[]; nextPageToken?: string } {
  if (!isObject(body)) throw new ProviderError('transient', 'Cloud DNS answered the rrset list with something that is not an object');
  const rrsets = Array.isArray(body.rrsets) ? body.rrsets : [];
  const out: GRrset[] = [];
  for (const r of rrsets) {
    if (!isObject(r) || typeof r.name !== 'string' || typeof r.type !== 'string') continue;
    out.push({
      name: r.name,
      type: r.type,
      ...(typeof r.ttl === 'number' ? { ttl: r.ttl } : {}),
      rrdatas: Array.isArray(r.rrdatas) ? r.rrdatas.filter((d): d is string => typeof d === 'string') : [],
    });
  }
  return { rrsets: out, ...(typeof body.nextPageToken === 'string' && body.nextPageToken !== '' ? { nextPageToken: body.nextPageToken } : {}) };
}

/** The A/AAAA rrset of the ref among rrsets listed, and a CNAME at its name. */
export function findRrsets(rrsets: GRrset[], ref: RecordRef): { rrset?: GRrset; cname?: GRrset } {
  const at = rrsets.filter((r) => bareName(r.name) === ref.name);
  const rrset = at.find((r) => r.type === ref.type);
  const cname = at.find((r) => r.type === 'CNAME');
  return { ...(rrset ? { rrset } : {}), ...(cname ? { cname } : {}) };
}

/** What the engine sees: addresses of the record's family only (anything else in rrdatas is skipped). */
export function toCurrent(found: { rrset?: GRrset; cname?: GRrset }, ref: RecordRef): CurrentRecord | null {
  if (found.cname && !found.rrset) return { values: [], cname: bareName(found.cname.rrdatas[0] ?? '') };
  if (!found.rrset) return null;
  const family = ref.type === 'A' ? 4 : 6;
  const values = found.rrset.rrdatas.filter((d) => ipFamily(d) === family).map((d) => canonicalIp(d));
  return { values, ...(found.rrset.ttl !== undefined ? { ttl: found.rrset.ttl } : {}) };
}

/** A service-account key file's JSON; throws a message naming what is wrong (never the key itself). */
export function parseServiceAccountKey(text: string): ServiceAccountKey {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('is not JSON: give the service-account key file downloaded from IAM → Service accounts → Keys (JSON)');
  }
  if (!isObject(data) || data.type !== 'service_account') throw new Error('is not a service-account key (its "type" must be "service_account")');
  if (typeof data.client_email !== 'string' || !data.client_email) throw new Error('lacks "client_email"');
  if (typeof data.private_key !== 'string' || !data.private_key.includes('PRIVATE KEY')) throw new Error('lacks a PEM "private_key"');
  return { clientEmail: data.client_email, privateKey: data.private_key, ...(typeof data.private_key_id === 'string' ? { privateKeyId: data.private_key_id } : {}) };
}

const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded']);

/** Google's error envelope {"error": {code, message, status, errors: [{reason}]}} mapped to the kit's kinds. */
export function classifyGoogleError(status: number, body: string, headers: Record<string, string | string[] | undefined>): ProviderError {
  let message = '';
  let reason = '';
  try {
    const data = JSON.parse(body) as unknown;
    const e = isObject(data) && isObject(data.error) ? data.error : undefined;
    message = typeof e?.message === 'string' ? e.message.slice(0, 300) : '';
    const first = Array.isArray(e?.errors) && isObject(e.errors[0]) ? e.errors[0] : undefined;
    reason = typeof first?.reason === 'string' ? first.reason : typeof e?.status === 'string' ? e.status : '';
  } catch {
    // not Google's envelope: status only
  }
  const text = `HTTP ${status}${reason ? ` ${reason}` : ''}${message ? `: ${message}` : ''}`;
  if (status === 429 || (status === 403 && RATE_REASONS.has(reason))) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return new ProviderError('rate-limited', text, retryAfterMs === undefined ? {} : { retryAfterMs });
  }
  if (status === 401 || status === 403) return new ProviderError('auth', `${text} (the service account needs roles/dns.admin, or a role with dns.changes.create and dns.resourceRecordSets.*, on the project)`, { code: reason });
  if (status === 412 || status === 409) return new ProviderError('conflict', `${text} (the rrset changed since it was read; not overwriting)`, { code: reason });
  if (status >= 500 || status === 408) return new ProviderError('transient', text);
  if (status === 404) return new ProviderError('fatal', `${text} (check project and managedZone)`, { code: reason });
  return new ProviderError('fatal', text, { code: reason });
}
