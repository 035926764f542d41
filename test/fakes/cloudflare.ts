import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ContractFault } from '../contract/provider-contract.js';
import { startServerMock, type Handler, type MockReply, type MockRequest, type ServerMock } from '../helpers/servermock.js';
import { ApiFailure, asObject, fail, hexId, recordRules, recordWire, type ApiError, type FakeRecord, type FakeZone, type Records } from './cloudflare-records.js';
import { cloudflareSpec, errorsOf, secondChecks, type Envelope } from './cloudflare-spec.js';
import { txtFromPresentation } from '../helpers/dig.js';

export type { FakeRecord, FakeZone } from './cloudflare-records.js';

/**
 * A local Cloudflare API v4 on servermock: its routes under /client/v4, Bearer auth, the
 * {success, errors, messages, result, result_info} envelope, page/per_page paging, the record rules
 * of cloudflare-records.ts, and the rate limit (a budget per window, then HTTP 429 with retry-after
 * for every call until the 5-minute block ends). Every request and answer is checked against
 * Cloudflare's OpenAPI description (cloudflare-spec.ts); record bodies are checked against the 2026
 * schema too, and error answers against the failure envelope. What breaks them is in `violations`.
 *
 * `envelope`: '2024' answers result_info exactly as the 2024 spec has it (count, page, per_page,
 * total_count, no total_pages); '2026' adds total_pages and may serve records without content.
 */

export interface CloudflareFakeOptions {
  token: string;
  zones?: string[];
  /** Default '2024'. */
  envelope?: Envelope;
  /** Requests allowed per window before every call is refused for `blockS`. Default 1200 per 300 s, block 300 s. */
  rateLimit?: { requests: number; windowS?: number; blockS?: number };
  /** Largest per_page honoured by GET dns_records (larger asks get this many). Default 5,000,000 as documented. */
  maxPerPage?: number;
  /** Most operations in one POST dns_records/batch: 200 on the Free plan (the default), 3,500 on paid plans. */
  batchLimit?: number;
  now?: () => number;
}

export interface CloudflareFake {
  /** http://127.0.0.1:<port>/client/v4 */
  url: string;
  token: string;
  addZone(name: string): FakeZone;
  zone(name: string): FakeZone | undefined;
  addRecord(zoneName: string, r: { type: string; name: string; content: string; ttl?: number; proxied?: boolean; comment?: string | null }): FakeRecord;
  /** Plants a record served exactly as given (an odd shape), without the API's checks. */
  addRawRecord(zoneName: string, raw: Record<string, unknown>): FakeRecord;
  records(name?: string, type?: string): FakeRecord[];
  /** Contents of the records of this name and type, or null when there are none. */
  lookup(name: string, type: string): string[] | null;
  requests: MockRequest[];
  /** POST, PATCH, PUT and DELETE requests received. */
  readonly mutations: number;
  /** Where a request or answer broke the API description; tests assert it empty. */
  violations: string[];
  /** Bodies checked against the 2026 schema: record bodies (a second check) and batch bodies (the spec's /batch operation is the 2026 one). */
  readonly checked2026: number;
  injectFault(fault: ContractFault): void;
  setMaxPerPage(n: number): void;
  setRateLimit(limit: { requests: number; windowS?: number; blockS?: number }): void;
  close(): Promise<void>;
}

const MUTATING = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
/**
 * Error codes the API really sends below the spec's `minimum: 1000`: 971 on every 429 (e.g. the
 * answer quoted in terraform-provider-cloudflare#5505). The fake sends it as the API does; that one
 * known difference is not counted as a violation.
 */
const REAL_CODES_BELOW_SPEC = new Set([971]);

export async function startCloudflareFake(opts: CloudflareFakeOptions): Promise<CloudflareFake> {
  const now = opts.now ?? Date.now;
  const envelope = opts.envelope ?? '2024';
  const zones = new Map<string, FakeZone>();
  let store: Records = new Map();
  let maxPerPage = opts.maxPerPage ?? 5_000_000;
  const batchLimit = opts.batchLimit ?? 200;
  let limit = { requests: 1200, windowS: 300, blockS: 300, ...opts.rateLimit };
  let windowStart = 0;
  let windowCount = 0;
  let blockedUntil = 0;
  const rules = recordRules(now);
  const checks = secondChecks();
  let checked2026 = 0;
  const violations: string[] = [];
  const accountId = hexId();
  const created = new Date(now()).toISOString();

  const addZone = (name: string): FakeZone => {
    const zone: FakeZone = { id: hexId(), name: name.toLowerCase(), status: 'active' };
    zones.set(zone.id, zone);
    return zone;
  };
  for (const z of opts.zones ?? []) addZone(z);
  const zoneByName = (name: string) => [...zones.values()].find((z) => z.name === name.toLowerCase());
  /** A zone as the API answers it (`zones_zone`, every required member). */
  const zoneWire = (z: FakeZone) => ({
    ...z,
    development_mode: 0,
    owner: { id: accountId, type: 'user' },
    account: { id: accountId, name: 'dnsfail test account' },
    meta: { page_rule_quota: 3, phishing_detected: false, step: 4 },
    name_servers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
    original_name_servers: null,
    original_registrar: null,
    original_dnshost: null,
    created_on: created,
    modified_on: created,
    activated_on: created,
  });

  const errorReply = (status: number, errors: ApiError[], headers: Record<string, string> = {}): MockReply => {
    const body = { success: false, errors, messages: [], result: null };
    const asSpecified = { ...body, errors: errors.map((e) => (REAL_CODES_BELOW_SPEC.has(e.code) ? { ...e, code: 1000 } : e)) };
    if (!checks.failure(asSpecified)) violations.push(`answer ${status}: not Cloudflare's failure envelope: ${errorsOf(checks.failure)}`);
    return { status, body, headers };
  };
  const ok = (result: unknown, result_info?: object): MockReply => ({ status: 200, body: { success: true, errors: [], messages: [], result, ...(result_info ? { result_info } : {}) } });

  const paged = <T>(items: T[], query: Record<string, string>, perPage: { default: number; min: number; max: number }) => {
    const page = Math.max(1, Number.parseInt(query.page ?? '1', 10) || 1);
    const asked = Number.parseInt(query.per_page ?? String(perPage.default), 10) || perPage.default;
    const size = Math.min(perPage.max, Math.max(perPage.min, asked));
    const slice = items.slice((page - 1) * size, page * size);
    const info = { count: slice.length, page, per_page: size, total_count: items.length };
    return ok(slice, envelope === '2026' ? { ...info, total_pages: Math.max(1, Math.ceil(items.length / size)) } : info);
  };

  const zoneOf = (req: MockRequest): FakeZone =>
    zones.get(req.params.zone_id!) ??
    (() => {
      throw new ApiFailure(400, [{ code: 7003, message: `Could not route to ${req.path}, perhaps your object identifier is invalid?` }, { code: 7000, message: 'No route for that URI' }]);
    })();
  /** The second check: a record body against the 2026 RecordParam. */
  const check2026 = (req: MockRequest): void => {
    checked2026++;
    if (!checks.recordBody(req.body)) violations.push(`${req.route}: body breaks the 2026 RecordParam (batch-schema-2026.json): ${errorsOf(checks.recordBody)}`);
  };
  /** Route handlers answer `result` envelopes; an ApiFailure becomes Cloudflare's error envelope. */
  const api =
    (handle: (req: MockRequest, zone: () => FakeZone) => MockReply): Handler =>
    (req) => {
      try {
        if (typeof req.body === 'string' && req.raw !== '') fail(400, 9207, 'Request body is invalid.');
        return handle(req, () => zoneOf(req));
      } catch (e) {
        if (e instanceof ApiFailure) return errorReply(e.status, e.errors);
        throw e;
      }
    };
  const record = (r: FakeRecord) => ok(recordWire(r));

  const routes: Record<string, Handler> = {
    'GET /zones': api((req) => {
      const name = req.query.name?.toLowerCase();
      return paged([...zones.values()].filter((z) => name === undefined || z.name === name).map(zoneWire), req.query, { default: 20, min: 5, max: 50 });
    }),
    'GET /zones/{zone_id}': api((_req, zone) => ok(zoneWire(zone()))),
    'GET /zones/{zone_id}/dns_records': api((req, zone) => {
      const { id } = zone();
      const q = req.query;
      const name = (q['name.exact'] ?? q.name)?.toLowerCase();
      const list = [...store.values()].filter((r) => r.zone_id === id && (!q.type || r.type === q.type) && (name === undefined || r.name === name) && (!q.content || r.content === q.content));
      return paged(list.map(recordWire), q, { default: 100, min: 1, max: maxPerPage });
    }),
    'POST /zones/{zone_id}/dns_records': api((req, zone) => {
      check2026(req);
      return record(rules.create(store, zone(), req.body));
    }),
    'POST /zones/{zone_id}/dns_records/batch': api((req, zone) => {
      const done = rules.batch(store, zone(), asObject(req.body), batchLimit);
      store = done.store;
      const r = done.result;
      return ok({ deletes: r.deletes.map(recordWire), patches: r.patches.map(recordWire), puts: r.puts.map(recordWire), posts: r.posts.map(recordWire) });
    }),
    'GET /zones/{zone_id}/dns_records/{dns_record_id}': api((req, zone) => record(rules.existing(store, zone(), req.params.dns_record_id))),
    'PATCH /zones/{zone_id}/dns_records/{dns_record_id}': api((req, zone) => {
      check2026(req);
      return record(rules.patch(store, zone(), req.params.dns_record_id, req.body));
    }),
    'PUT /zones/{zone_id}/dns_records/{dns_record_id}': api((req, zone) => {
      check2026(req);
      return record(rules.put(store, zone(), req.params.dns_record_id, req.body));
    }),
    'DELETE /zones/{zone_id}/dns_records/{dns_record_id}': api((req, zone) => ok({ id: rules.remove(store, zone(), req.params.dns_record_id).id })),
  };

  /** The rate limit, then the token: every call, before routing. */
  const before = (req: MockRequest): MockReply | undefined => {
    const t = now();
    if (t >= blockedUntil) {
      if (t - windowStart >= limit.windowS * 1000) {
        windowStart = t;
        windowCount = 0;
      }
      if (++windowCount > limit.requests) blockedUntil = t + limit.blockS * 1000;
    }
    if (t < blockedUntil) {
      return errorReply(429, [{ code: 971, message: `More than ${limit.requests} requests per ${limit.windowS} seconds reached. Please wait and consider throttling your request speed` }], {
        'retry-after': String(Math.ceil((blockedUntil - t) / 1000)),
      });
    }
    const auth = req.headers.authorization;
    if (!auth) return errorReply(400, [{ code: 9106, message: 'Missing X-Auth-Key, X-Auth-Email or Authorization headers' }]);
    if (!/^Bearer \S+$/.test(auth)) return errorReply(400, [{ code: 6003, message: 'Invalid request headers', error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }] }]);
    if (auth !== `Bearer ${opts.token}`) return errorReply(403, [{ code: 9109, message: 'Invalid access token' }]);
    return undefined;
  };

  const mock: ServerMock = await startServerMock({
    basePath: '/client/v4',
    routes,
    before,
    spec: cloudflareSpec(envelope),
    notFound: (req) => errorReply(400, [{ code: 7003, message: `Could not route to ${req.path}, perhaps your object identifier is invalid?` }, { code: 7000, message: 'No route for that URI' }]),
    faultReply: (f) =>
      f.kind === 'http-5xx'
        ? errorReply(f.status ?? 500, [{ code: 10001, message: 'Internal server error' }])
        : errorReply(429, [{ code: 971, message: 'Please wait and consider throttling your request speed' }], { 'retry-after': String(f.retryAfterS ?? 1) }),
    headers: () => ({ 'cf-ray': randomBytes(8).toString('hex') }),
  });
  // One list for the spec checks of servermock and the fake's own.
  violations.push(...mock.violations);
  mock.violations = violations;

  const fake: CloudflareFake = {
    url: mock.url,
    token: opts.token,
    addZone,
    zone: zoneByName,
    addRecord(zoneName, r) {
      const zone = zoneByName(zoneName);
      if (!zone) throw new Error(`fake: no zone ${zoneName}`);
      return rules.create(store, zone, r);
    },
    addRawRecord(zoneName, raw) {
      const zone = zoneByName(zoneName);
      if (!zone) throw new Error(`fake: no zone ${zoneName}`);
      const t = new Date(now()).toISOString();
      const r: FakeRecord = {
        id: hexId(),
        zone_id: zone.id,
        name: String(raw.name ?? '').toLowerCase(),
        type: String(raw.type ?? ''),
        content: raw.content as string,
        ttl: 1,
        proxied: false,
        proxiable: false,
        comment: null,
        tags: [],
        created_on: t,
        modified_on: t,
      };
      r.raw = { id: r.id, proxiable: false, created_on: t, modified_on: t, ...raw };
      store.set(r.id, r);
      return r;
    },
    records: (name, type) => [...store.values()].filter((r) => (!name || r.name === name) && (!type || r.type === type)),
    lookup(name, type) {
      // What DNS would serve: TXT content in quoted character-strings is served as their text.
      const values = fake.records(name, type).map((r) => (r.type === 'TXT' && r.content.startsWith('"') ? txtFromPresentation(r.content) : r.content));
      return values.length ? values : null;
    },
    requests: mock.requests,
    get mutations() {
      return mock.requests.filter((r) => MUTATING.has(r.method)).length;
    },
    violations,
    get checked2026() {
      return checked2026 + mock.requests.filter((r) => r.route === 'POST /zones/{zone_id}/dns_records/batch').length;
    },
    injectFault: (f) => mock.injectFault(f),
    setMaxPerPage(n) {
      maxPerPage = n;
    },
    setRateLimit(l) {
      limit = { requests: l.requests, windowS: l.windowS ?? 300, blockS: l.blockS ?? 300 };
      windowStart = 0;
      windowCount = 0;
      blockedUntil = 0;
    },
    close: () => mock.close(),
  };
  return fake;
}

/** No request or answer broke the spec; prints how many requests were checked (for the provider table's note). */
export function assertConforms(fake: CloudflareFake, what: string): void {
  assert.deepEqual(fake.violations, []);
  console.log(`# cloudflare fake (${what}): ${fake.requests.length} requests validated against the OpenAPI description, ${fake.checked2026} record and batch bodies against the 2026 schema`);
}
