import { ProviderError } from './errors.js';
import { namingRequest, type HttpClient, type HttpMethod } from './http.js';
import { canonicalIp, ipFamily, sameAddressSet } from './ip.js';
import { checkAddress } from './records.js';
import type { CurrentRecord, RecordRef } from './types.js';

/**
 * For APIs that hold one record per value (DigitalOcean, Linode): the existing records of one name
 * and type, each with its id, value and TTL.
 */
export interface ValueRecord {
  id: string;
  value: string;
  ttl?: number;
}

/** What to send so those records hold exactly the wanted values with `ttl`, in this order. */
export interface ValuePlan {
  /** Records changed in place (a new value, or the same value with the wanted TTL). */
  updates: { id: string; value: string }[];
  creates: string[];
  deletes: string[];
}

export const valuePlanSize = (p: ValuePlan): number => p.updates.length + p.creates.length + p.deletes.length;

/**
 * Records holding a wanted value stay (updated only when their TTL differs); other records are
 * updated in place to a missing value, so a failover is one update and the name never goes empty;
 * values still missing are created, and records left over are deleted. Duplicates of a value count
 * as left over.
 */
export function planValueRecords(existing: readonly ValueRecord[], values: readonly string[], ttl: number): ValuePlan {
  const wanted = [...new Set(values.map(canonicalIp))];
  const kept = new Map<string, ValueRecord>();
  const leftover: ValueRecord[] = [];
  for (const r of existing) {
    const value = canonicalIp(r.value);
    if (wanted.includes(value) && !kept.has(value)) kept.set(value, r);
    else leftover.push(r);
  }
  const updates = [...kept.entries()].filter(([, r]) => r.ttl !== ttl).map(([value, r]) => ({ id: r.id, value }));
  const creates: string[] = [];
  for (const value of wanted.filter((v) => !kept.has(v))) {
    const r = leftover.shift();
    if (r) updates.push({ id: r.id, value });
    else creates.push(value);
  }
  return { updates, creates, deletes: leftover.map((r) => r.id) };
}

/** A record as listed by such an API, normalised by the provider: `name` fully qualified, lower case, no trailing dot. */
export interface ListedRecord {
  id?: string;
  type: string;
  name: string;
  value?: string;
  ttl?: number;
}

/**
 * The rrset of `ref` among listed records: a CNAME at the name is returned as such; the records of
 * exactly that name and type must each have an id and an address of the type (else a fatal error
 * naming the record, since a write would be a guess); records of other names and types, however
 * odd, are never looked at.
 */
export function valueRecordsAt(listed: readonly ListedRecord[], ref: RecordRef, service: string): { current: CurrentRecord | null; own: ValueRecord[] } {
  const cname = listed.find((r) => r.type === 'CNAME' && r.name === ref.name);
  const own: ValueRecord[] = [];
  for (const r of listed) {
    if (r.type !== ref.type || r.name !== ref.name) continue;
    if (!r.id || r.value === undefined || ipFamily(r.value) !== (ref.type === 'A' ? 4 : 6)) {
      throw new ProviderError('fatal', `${service} holds an ${ref.type} record at ${ref.name} with ${r.id ? `the value ${JSON.stringify(r.value ?? null)}, which is not an ${ref.type === 'A' ? 'IPv4' : 'IPv6'} address` : 'no id'}; fix or remove it there`);
    }
    own.push({ id: r.id, value: canonicalIp(r.value), ...(r.ttl !== undefined ? { ttl: r.ttl } : {}) });
  }
  if (cname) return { current: { values: [], cname: (cname.value ?? '').toLowerCase().replace(/\.$/, '') }, own };
  if (own.length === 0) return { current: null, own };
  const ttls = own.map((r) => r.ttl);
  const ttl = ttls.every((t): t is number => t !== undefined) ? Math.max(...ttls) : undefined;
  return { current: { values: own.map((r) => r.value), ...(ttl !== undefined ? { ttl } : {}) }, own };
}

/** Sends a plan: updates first (a failover is one in-place change), then creates, then deletes, so the name never goes empty. */
export async function applyValuePlan(plan: ValuePlan, api: { update(id: string, value: string): Promise<void>; create(value: string): Promise<void>; remove(id: string): Promise<void> }): Promise<void> {
  for (const u of plan.updates) await api.update(u.id, u.value);
  for (const value of plan.creates) await api.create(value);
  for (const id of plan.deletes) await api.remove(id);
}

/**
 * One write on such an API, from a listing read just before it (these APIs have no conditional
 * write): refuses a CNAME at the name, refuses (conflict) when the rrset changed since `previous`
 * was read in this run, and sends nothing when it already holds `values` with `ttl`.
 */
export async function syncValueRecords(
  listed: readonly ListedRecord[],
  ref: RecordRef,
  req: { values: string[]; previous: CurrentRecord | null },
  ttl: number,
  where: { service: string; zone: string },
  api: Parameters<typeof applyValuePlan>[1],
): Promise<void> {
  const wanted = req.values.map((v) => checkAddress(ref.type, v));
  const { current, own } = valueRecordsAt(listed, ref, where.service);
  if (current?.cname !== undefined) {
    throw new ProviderError('fatal', `${ref.name} is a CNAME (to ${current.cname || 'an empty target'}) in ${where.service} zone ${where.zone}: an ${ref.type} record cannot share its name; the managed name must not be a CNAME`);
  }
  const plan = planValueRecords(own, wanted, ttl);
  if (valuePlanSize(plan) === 0) return;
  if (req.previous && !sameAddressSet(own.map((r) => r.value), req.previous.values)) {
    throw new ProviderError('conflict', `${ref.name} ${ref.type} changed in ${where.service} since it was read in this run; not overwriting`);
  }
  await applyValuePlan(plan, api);
}

/**
 * The writes of a REST API keeping those records in a collection (DigitalOcean, Linode): POST to the
 * collection creates, PUT and DELETE on collection/id change and remove. `collection` is its path
 * for a domain key.
 */
export function recordCollectionWrites<K, Create, Update>(http: HttpClient, service: string, collection: (key: K) => string) {
  const send = (method: HttpMethod, path: string, json?: unknown): Promise<void> =>
    namingRequest(service, method, path, async () => void (await http.json<unknown>(method, path, json === undefined ? {} : { json })));
  const item = (key: K, id: string) => `${collection(key)}/${encodeURIComponent(id)}`;
  return {
    createRecord: (key: K, body: Create) => send('POST', collection(key), body),
    updateRecord: (key: K, id: string, body: Update) => send('PUT', item(key, id), body),
    deleteRecord: (key: K, id: string) => send('DELETE', item(key, id)),
  };
}
