import { randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIPv4, isIPv6, type Socket } from 'node:net';
import type { ContractFault } from '../contract/provider-contract.js';

/**
 * A local Cloudflare API v4 (https://developers.cloudflare.com/api/), written from its documentation:
 * same paths under /client/v4, Bearer auth, the {success, errors, messages, result, result_info}
 * envelope, page/per_page paging, the DNS record rules (TTL 1 or 60–86400, A/AAAA vs CNAME 81053,
 * identical record 81058, proxied records get the automatic TTL, names outside the zone get the zone
 * appended), the batch endpoint as one all-or-nothing transaction (deletes → patches → puts → posts),
 * and the rate limit (a budget per window, then HTTP 429 with retry-after for every call until the
 * 5-minute block ends). It keeps every request it saw and supports the contract suite's faults.
 */

export interface FakeZone {
  id: string;
  name: string;
  status: 'active';
}

export interface FakeRecord {
  id: string;
  zone_id: string;
  zone_name: string;
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
}

export interface SeenApiRequest {
  method: string;
  /** Below /client/v4, without the query. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface CloudflareFakeOptions {
  token: string;
  zones?: string[];
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
  records(name?: string, type?: string): FakeRecord[];
  /** Contents of the records of this name and type, or null when there are none. */
  lookup(name: string, type: string): string[] | null;
  requests: SeenApiRequest[];
  /** POST, PATCH, PUT and DELETE requests received. */
  mutations: number;
  injectFault(fault: ContractFault): void;
  setMaxPerPage(n: number): void;
  setRateLimit(limit: { requests: number; windowS?: number; blockS?: number }): void;
  close(): Promise<void>;
}

interface ApiError {
  code: number;
  message: string;
}

class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly errors: ApiError[],
  ) {
    super(errors.map((e) => e.message).join('; '));
  }
}

const fail = (status: number, code: number, message: string): never => {
  throw new ApiFailure(status, [{ code, message }]);
};

const PROXIABLE = new Set(['A', 'AAAA', 'CNAME']);
const TYPES = new Set(['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'CAA']);
const MUTATING = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
const hexId = () => randomBytes(16).toString('hex');
const canonical6 = (ip: string) => new URL(`http://[${ip}]/`).hostname.slice(1, -1);

export async function startCloudflareFake(opts: CloudflareFakeOptions): Promise<CloudflareFake> {
  const now = opts.now ?? Date.now;
  const zones = new Map<string, FakeZone>();
  let store = new Map<string, FakeRecord>();
  let maxPerPage = opts.maxPerPage ?? 5_000_000;
  const batchLimit = opts.batchLimit ?? 200;
  let limit = { requests: 1200, windowS: 300, blockS: 300, ...opts.rateLimit };
  let windowStart = 0;
  let windowCount = 0;
  let blockedUntil = 0;
  const faults: ContractFault[] = [];
  const sockets = new Set<Socket>();

  const addZone = (name: string): FakeZone => {
    const zone: FakeZone = { id: hexId(), name: name.toLowerCase(), status: 'active' };
    zones.set(zone.id, zone);
    return zone;
  };
  for (const z of opts.zones ?? []) addZone(z);
  const zoneByName = (name: string) => [...zones.values()].find((z) => z.name === name.toLowerCase());

  /** Validates a full record against `records` (the store or a batch's working copy) and returns it normalised. */
  const validate = (records: Map<string, FakeRecord>, zone: FakeZone, input: Record<string, unknown>, self?: FakeRecord): FakeRecord => {
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
      zone_name: zone.name,
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

  const existing = (records: Map<string, FakeRecord>, zone: FakeZone, id: unknown): FakeRecord => {
    const r = typeof id === 'string' ? records.get(id) : undefined;
    if (!r || r.zone_id !== zone.id) return fail(404, 81044, 'Record does not exist.');
    return r;
  };
  const asObject = (v: unknown): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(400, 9207, 'Request body is invalid.');
    return v as Record<string, unknown>;
  };
  const create = (records: Map<string, FakeRecord>, zone: FakeZone, body: unknown) => {
    const r = validate(records, zone, asObject(body));
    records.set(r.id, r);
    return r;
  };
  const patch = (records: Map<string, FakeRecord>, zone: FakeZone, id: unknown, body: unknown) => {
    const old = existing(records, zone, id);
    const { id: _id, ...fields } = asObject(body);
    const r = validate(records, zone, { ...old, ...fields }, old);
    records.set(r.id, r);
    return r;
  };
  const put = (records: Map<string, FakeRecord>, zone: FakeZone, id: unknown, body: unknown) => {
    const old = existing(records, zone, id);
    const { id: _id, ...fields } = asObject(body);
    const r = validate(records, zone, fields, old);
    records.set(r.id, r);
    return r;
  };
  const remove = (records: Map<string, FakeRecord>, zone: FakeZone, id: unknown) => {
    const r = existing(records, zone, id);
    records.delete(r.id);
    return r;
  };

  const paged = <T>(items: T[], query: Record<string, string>, perPageDefault: number, perPageMax: number) => {
    const page = Math.max(1, Number.parseInt(query.page ?? '1', 10) || 1);
    const asked = Number.parseInt(query.per_page ?? String(perPageDefault), 10) || perPageDefault;
    const perPage = Math.min(perPageMax, Math.max(1, asked));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    return {
      result: slice,
      result_info: { page, per_page: perPage, count: slice.length, total_count: items.length, total_pages: Math.max(1, Math.ceil(items.length / perPage)) },
    };
  };

  const route = (method: string, path: string, query: Record<string, string>, body: unknown): { result: unknown; result_info?: unknown } => {
    const parts = path.split('/').filter(Boolean);
    const noRoute = (): never => {
      throw new ApiFailure(400, [
        { code: 7003, message: `Could not route to /${parts.join('/')}, perhaps your object identifier is invalid?` },
        { code: 7000, message: 'No route for that URI' },
      ]);
    };
    if (parts[0] !== 'zones') return noRoute();
    if (parts.length === 1) {
      if (method !== 'GET') return noRoute();
      const name = query.name?.toLowerCase();
      return paged([...zones.values()].filter((z) => name === undefined || z.name === name), query, 20, 50);
    }
    const zone = zones.get(parts[1]!) ?? noRoute();
    if (parts.length === 2) return method === 'GET' ? { result: zone } : noRoute();
    if (parts[2] !== 'dns_records' || parts.length > 4) return noRoute();
    if (parts.length === 3) {
      if (method === 'GET') {
        const name = (query['name.exact'] ?? query.name)?.toLowerCase();
        const list = [...store.values()].filter(
          (r) => r.zone_id === zone.id && (!query.type || r.type === query.type) && (name === undefined || r.name === name) && (!query.content || r.content === query.content),
        );
        return paged(list, query, 100, maxPerPage);
      }
      if (method === 'POST') return { result: create(store, zone, body) };
      return noRoute();
    }
    const id = parts[3]!;
    if (id === 'batch') {
      if (method !== 'POST') return noRoute();
      return { result: batch(zone, asObject(body)) };
    }
    if (method === 'GET') return { result: existing(store, zone, id) };
    if (method === 'PATCH') return { result: patch(store, zone, id, body) };
    if (method === 'PUT') return { result: put(store, zone, id, body) };
    if (method === 'DELETE') return { result: { id: remove(store, zone, id).id } };
    return noRoute();
  };

  /** One transaction on a copy of the store: committed only when every operation passed. */
  const batch = (zone: FakeZone, body: Record<string, unknown>) => {
    const list = (key: string): unknown[] => {
      const v = body[key] ?? [];
      return Array.isArray(v) ? v : fail(400, 9207, `Request body is invalid: ${key} must be an array.`);
    };
    const size = ['deletes', 'patches', 'puts', 'posts'].reduce((n, key) => n + list(key).length, 0);
    // The limit is documented; this refusal's code and wording are not (a 400 envelope error as for other invalid requests).
    if (size > batchLimit) fail(400, 9207, `Request body is invalid: a batch may hold at most ${batchLimit} record operations on this zone's plan (got ${size}).`);
    const work = new Map([...store].map(([k, v]) => [k, { ...v }]));
    const result = {
      deletes: list('deletes').map((d) => remove(work, zone, asObject(d).id)),
      patches: list('patches').map((p) => patch(work, zone, asObject(p).id, p)),
      puts: list('puts').map((p) => put(work, zone, asObject(p).id, p)),
      posts: list('posts').map((p) => create(work, zone, p)),
    };
    store = work;
    return result;
  };

  const send = (res: ServerResponse, status: number, payload: object, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cf-ray': randomBytes(8).toString('hex'), ...headers }).end(JSON.stringify(payload));
  };
  const sendErrors = (res: ServerResponse, status: number, errors: ApiError[], headers: Record<string, string> = {}) =>
    send(res, status, { success: false, errors, messages: [], result: null }, headers);

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    let body: unknown;
    let badJson = false;
    if (raw !== '') {
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        badJson = true;
      }
    }
    const path = url.pathname.replace(/^\/client\/v4/, '');
    fake.requests.push({ method, path, query: Object.fromEntries(url.searchParams), headers: req.headers, body });
    if (MUTATING.has(method)) fake.mutations++;

    const fault = faults[0];
    if (fault) {
      if (fault.times !== undefined && fault.times <= 1) faults.shift();
      else if (fault.times !== undefined) fault.times--;
      else faults.shift();
      if (fault.kind === 'timeout') return; // accept, never answer
      if (fault.kind === 'http-5xx') return sendErrors(res, fault.status ?? 500, [{ code: 10001, message: 'Internal server error' }]);
      return sendErrors(res, 429, [{ code: 971, message: 'Please wait and consider throttling your request speed' }], { 'retry-after': String(fault.retryAfterS ?? 1) });
    }

    const t = now();
    if (t >= blockedUntil) {
      if (t - windowStart >= limit.windowS * 1000) {
        windowStart = t;
        windowCount = 0;
      }
      if (++windowCount > limit.requests) blockedUntil = t + limit.blockS * 1000;
    }
    if (t < blockedUntil) {
      return sendErrors(res, 429, [{ code: 971, message: `More than ${limit.requests} requests per ${limit.windowS} seconds reached. Please wait and consider throttling your request speed` }], {
        'retry-after': String(Math.ceil((blockedUntil - t) / 1000)),
      });
    }

    const auth = req.headers.authorization;
    if (!auth) return sendErrors(res, 400, [{ code: 9106, message: 'Missing X-Auth-Key, X-Auth-Email or Authorization headers' }]);
    if (!/^Bearer \S+$/.test(auth)) {
      return send(res, 400, { success: false, errors: [{ code: 6003, message: 'Invalid request headers', error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }] }], messages: [], result: null });
    }
    if (auth !== `Bearer ${opts.token}`) return sendErrors(res, 403, [{ code: 9109, message: 'Invalid access token' }]);
    if (badJson) return sendErrors(res, 400, [{ code: 9207, message: 'Request body is invalid.' }]);

    try {
      const out = route(method, path, Object.fromEntries(url.searchParams), body);
      send(res, 200, { success: true, errors: [], messages: [], ...out });
    } catch (e) {
      if (e instanceof ApiFailure) return sendErrors(res, e.status, e.errors);
      sendErrors(res, 500, [{ code: 10001, message: 'Internal server error' }]);
    }
  };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (raw += d));
    req.on('end', () => handle(req, res, raw));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      if (a === null || typeof a === 'string') return reject(new Error('no address'));
      resolve(a.port);
    });
  });

  const fake: CloudflareFake = {
    url: `http://127.0.0.1:${port}/client/v4`,
    token: opts.token,
    addZone,
    zone: zoneByName,
    addRecord(zoneName, r) {
      const zone = zoneByName(zoneName);
      if (!zone) throw new Error(`fake: no zone ${zoneName}`);
      return create(store, zone, r);
    },
    records: (name, type) => [...store.values()].filter((r) => (!name || r.name === name) && (!type || r.type === type)),
    lookup(name, type) {
      const values = fake.records(name, type).map((r) => r.content);
      return values.length ? values : null;
    },
    requests: [],
    mutations: 0,
    injectFault(f) {
      if (f.times === 0) faults.length = 0;
      else faults.push({ ...f });
    },
    setMaxPerPage(n) {
      maxPerPage = n;
    },
    setRateLimit(l) {
      limit = { requests: l.requests, windowS: l.windowS ?? 300, blockS: l.blockS ?? 300 };
      windowStart = 0;
      windowCount = 0;
      blockedUntil = 0;
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
  return fake;
}
