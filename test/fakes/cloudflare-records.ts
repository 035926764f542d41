import { randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The DNS record rules of the Cloudflare fake, from the API documentation: TTL 1 or 60–86400,
 * A/AAAA content of its family, A/AAAA beside a CNAME refused (81053), identical records refused
 * (81058), proxied records get the automatic TTL, a name outside the zone gets the zone appended,
 * and the batch endpoint as one all-or-nothing transaction (deletes → patches → puts → posts).
 */

export interface FakeZone {
  id: string;
  name: string;
  status: 'active';
}

export interface FakeRecord {
  id: string;
  zone_id: string;
  name: string;
  type: string;
  content: string;
  ttl: number;
  proxied: boolean;
  proxiable: boolean;
  comment: string | null;
  tags: string[];
  created_on: string;
  modified_on: string;
  /** A record planted as is (an odd shape the API may return): served exactly so. */
  raw?: Record<string, unknown>;
}

export interface ApiError {
  code: number;
  message: string;
  error_chain?: ApiError[];
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly errors: ApiError[],
  ) {
    super(errors.map((e) => e.message).join('; '));
  }
}

export const fail = (status: number, code: number, message: string): never => {
  throw new ApiFailure(status, [{ code, message }]);
};

export const hexId = (): string => randomBytes(16).toString('hex');
const PROXIABLE = new Set(['A', 'AAAA', 'CNAME']);
const TYPES = new Set(['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'CAA']);
const canonical6 = (ip: string) => new URL(`http://[${ip}]/`).hostname.slice(1, -1);

/** A record as the API answers it (2024 `dns-records_dns-record`; `comment` only when set, as the spec has it a string). */
export function recordWire(r: FakeRecord): Record<string, unknown> {
  if (r.raw) return r.raw;
  const { zone_id: _z, raw: _r, comment, ...fields } = r;
  return { ...fields, ...(comment !== null ? { comment } : {}), meta: {} };
}

export const asObject = (v: unknown): Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(400, 9207, 'Request body is invalid.');
  return v as Record<string, unknown>;
};

export type Records = Map<string, FakeRecord>;

export function recordRules(now: () => number) {
  /** Validates a full record against `records` (the store or a batch's working copy) and returns it normalised. */
  const validate = (records: Records, zone: FakeZone, input: Record<string, unknown>, self?: FakeRecord): FakeRecord => {
    const type = input.type;
    if (typeof type !== 'string' || !TYPES.has(type)) fail(400, 9004, 'DNS Validation Error: unsupported or missing record type.');
    if (typeof input.name !== 'string' || input.name === '') fail(400, 9007, 'DNS Validation Error: name is required.');
    let name = (input.name as string).toLowerCase().replace(/\.$/, '');
    // Like the real API: "@" is the apex, and a name outside the zone is taken as relative to it.
    if (name === '@') name = zone.name;
    else if (name !== zone.name && !name.endsWith(`.${zone.name}`)) name = `${name}.${zone.name}`;
    let content = input.content;
    if (typeof content !== 'string' || content === '') fail(400, 9008, 'DNS Validation Error: content is required.');
    if (type === 'A' && !isIPv4(content as string)) fail(400, 9005, 'Content for A record must be a valid IPv4 address.');
    if (type === 'AAAA' && !isIPv6(content as string)) fail(400, 9006, 'Content for AAAA record must be a valid IPv6 address.');
    if (type === 'AAAA') content = canonical6(content as string);
    const proxied = input.proxied ?? false;
    if (typeof proxied !== 'boolean') fail(400, 9003, "Invalid 'proxied' value, must be a boolean.");
    if (proxied && !PROXIABLE.has(type as string)) fail(400, 9004, 'This record type cannot be proxied.');
    let ttl = input.ttl ?? 1;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || !(ttl === 1 || (ttl >= 60 && ttl <= 86_400))) {
      fail(400, 9021, 'Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.');
    }
    if (proxied) ttl = 1;
    const comment = input.comment ?? null;
    if (comment !== null && typeof comment !== 'string') fail(400, 9100, 'DNS Validation Error: comment must be a string.');
    if (typeof comment === 'string' && comment.length > 100) fail(400, 9100, 'DNS record comment is too long (100 characters at most on this plan).');

    const others = [...records.values()].filter((r) => r.zone_id === zone.id && r.name === name && r.id !== self?.id);
    const cnameClash = type === 'CNAME' ? others.some((r) => r.type === 'A' || r.type === 'AAAA' || r.type === 'CNAME') : (type === 'A' || type === 'AAAA') && others.some((r) => r.type === 'CNAME');
    if (cnameClash) fail(400, 81053, 'An A, AAAA, or CNAME record with that host already exists.');
    if (others.some((r) => r.type === type && r.content === content)) fail(400, 81058, 'An identical record already exists.');

    const t = new Date(now()).toISOString();
    return {
      id: self?.id ?? hexId(),
      zone_id: zone.id,
      name,
      type: type as string,
      content: content as string,
      ttl: ttl as number,
      proxied: proxied as boolean,
      proxiable: PROXIABLE.has(type as string),
      comment: comment as string | null,
      tags: self?.tags ?? [],
      created_on: self?.created_on ?? t,
      modified_on: t,
    };
  };

  const existing = (records: Records, zone: FakeZone, id: unknown): FakeRecord => {
    const r = typeof id === 'string' ? records.get(id) : undefined;
    if (!r || r.zone_id !== zone.id) return fail(404, 81044, 'Record does not exist.');
    return r;
  };
  const create = (records: Records, zone: FakeZone, body: unknown): FakeRecord => {
    const r = validate(records, zone, asObject(body));
    records.set(r.id, r);
    return r;
  };
  const patch = (records: Records, zone: FakeZone, id: unknown, body: unknown): FakeRecord => {
    const old = existing(records, zone, id);
    const { id: _id, ...fields } = asObject(body);
    const r = validate(records, zone, { ...old, ...fields }, old);
    records.set(r.id, r);
    return r;
  };
  const put = (records: Records, zone: FakeZone, id: unknown, body: unknown): FakeRecord => {
    const old = existing(records, zone, id);
    const { id: _id, ...fields } = asObject(body);
    const r = validate(records, zone, fields, old);
    records.set(r.id, r);
    return r;
  };
  const remove = (records: Records, zone: FakeZone, id: unknown): FakeRecord => {
    const r = existing(records, zone, id);
    records.delete(r.id);
    return r;
  };

  /** One transaction on a copy of `store`: the new store and the answer, or an ApiFailure with nothing applied. */
  const batch = (store: Records, zone: FakeZone, body: Record<string, unknown>, limit: number) => {
    const list = (key: string): unknown[] => {
      const v = body[key] ?? [];
      return Array.isArray(v) ? v : fail(400, 9207, `Request body is invalid: ${key} must be an array.`);
    };
    const size = ['deletes', 'patches', 'puts', 'posts'].reduce((n, key) => n + list(key).length, 0);
    // The limit is documented; this refusal's code and wording are not (a 400 envelope error as for other invalid requests).
    if (size > limit) fail(400, 9207, `Request body is invalid: a batch may hold at most ${limit} record operations on this zone's plan (got ${size}).`);
    const work: Records = new Map([...store].map(([k, v]) => [k, { ...v }]));
    const result = {
      deletes: list('deletes').map((d) => remove(work, zone, asObject(d).id)),
      patches: list('patches').map((p) => patch(work, zone, asObject(p).id, p)),
      puts: list('puts').map((p) => put(work, zone, asObject(p).id, p)),
      posts: list('posts').map((p) => create(work, zone, p)),
    };
    return { store: work, result };
  };

  return { existing, create, patch, put, remove, batch };
}
