import { isIPv4, isIPv6 } from 'node:net';
import { startServerMock, type MockReply, type MockRequest } from '../helpers/servermock.js';
import { loadApiSpec } from './api-spec.js';
import { rateWindow, Refusal, refusing, recordViews, type TokenFakeOptions, type ValueRecordFake } from './value-fake.js';

/**
 * A local DigitalOcean API v2 (domain records), built with servermock against DigitalOcean's own
 * OpenAPI description (test/fixtures/api-specs/digitalocean): Bearer auth ({id, message} errors),
 * one record per value with relative names ("@" is the apex), the `name` filter (fully qualified),
 * page/per_page paging with links.pages and meta.total (the links drop the filters, as the real
 * API's do), TTLs of at least 30 s, CNAMEs that share no name, and the rate limit: a budget per
 * window, then 429 with ratelimit-limit/-remaining/-reset until the window ends.
 */

export interface DoRecord {
  id: number;
  type: string;
  name: string;
  data: string;
  priority: number | null;
  port: number | null;
  ttl: number;
  weight: number | null;
  flags: number | null;
  tag: string | null;
}

/** `url` is http://127.0.0.1:<port> (the API's paths start with /v2). */
export interface DigitalOceanFake extends ValueRecordFake<DoRecord> {
  addRecord(domain: string, r: { type: string; name: string; data: string; ttl?: number }): DoRecord;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const canonical6 = (ip: string) => new URL(`http://[${ip}]/`).hostname.slice(1, -1);
const error = (status: number, id: string, message: string, headers?: Record<string, string>): MockReply => ({ status, body: { id, message }, ...(headers ? { headers } : {}) });

const refuse = (status: number, id: string, message: string): never => {
  throw new Refusal(error(status, id, message));
};

export async function startDigitalOceanFake(opts: TokenFakeOptions): Promise<DigitalOceanFake> {
  const now = opts.now ?? Date.now;
  const zones = new Map<string, DoRecord[]>((opts.domains ?? []).map((d) => [d.toLowerCase(), []]));
  let nextId = 1000;
  // DigitalOcean's budget: 250 requests a minute.
  const rate = rateWindow({ requests: 250, windowS: 60, ...opts.rateLimit }, now);

  const fqdn = (domain: string, name: string) => (name === '@' ? domain : `${name}.${domain}`);
  const zoneOf = (req: MockRequest) => zones.get(String(req.params.domain_name).toLowerCase()) ?? refuse(404, 'not_found', 'The resource you were accessing could not be found.');

  const rateHeaders = (remaining: number) => {
    const reset = Math.ceil(rate.resetsAt() / 1000);
    return { 'ratelimit-limit': String(rate.limit.requests), 'ratelimit-remaining': String(Math.max(0, remaining)), 'ratelimit-reset': String(reset) };
  };

  /** A record as the API stores it from a POST or PUT body; refuses what DigitalOcean refuses. */
  const validated = (domain: string, list: DoRecord[], body: unknown, self?: DoRecord): DoRecord => {
    const b = (body ?? {}) as Record<string, unknown>;
    const type = typeof b.type === 'string' ? b.type : self?.type;
    if (type !== 'A' && type !== 'AAAA' && type !== 'CNAME' && type !== 'TXT') return refuse(422, 'unprocessable_entity', 'Type is not a supported record type.');
    const name = typeof b.name === 'string' ? b.name.toLowerCase() : self?.name;
    if (!name) return refuse(422, 'unprocessable_entity', 'Name is required.');
    let data = typeof b.data === 'string' ? b.data : self?.data;
    if (data === undefined) return refuse(422, 'unprocessable_entity', 'Data is required.');
    if (type === 'A' && !isIPv4(data)) return refuse(422, 'unprocessable_entity', 'Data must be a valid IPv4 address.');
    if (type === 'AAAA' && !isIPv6(data)) return refuse(422, 'unprocessable_entity', 'Data must be a valid IPv6 address.');
    if (type === 'AAAA') data = canonical6(data);
    const ttl = typeof b.ttl === 'number' ? b.ttl : self?.ttl ?? 1800;
    if (!Number.isInteger(ttl) || ttl < 30) return refuse(422, 'unprocessable_entity', 'TTL must be at least 30 seconds.');
    const others = list.filter((r) => r.name === name && r.id !== self?.id);
    if ((type === 'CNAME' && others.length > 0) || others.some((r) => r.type === 'CNAME')) return refuse(422, 'unprocessable_entity', `CNAME records cannot share a name with other records (${fqdn(domain, name)}).`);
    return { id: self?.id ?? nextId++, type, name, data, priority: null, port: null, ttl, weight: null, flags: null, tag: null };
  };


  const mock = await startServerMock({
    spec: loadApiSpec('digitalocean/domain-records.openapi.json'),
    before: (req) => {
      if (req.headers.authorization !== `Bearer ${opts.token}`) return error(401, 'unauthorized', 'Unable to authenticate you');
      if (!rate.take()) return error(429, 'too_many_requests', 'API Rate limit exceeded.', rateHeaders(0));
      return undefined;
    },
    notFound: () => error(404, 'not_found', 'The resource you were accessing could not be found.'),
    faultReply: (f) =>
      f.kind === 'http-5xx'
        ? error(f.status ?? 500, 'server_error', 'Server was unable to give you a response.')
        : error(429, 'too_many_requests', 'API Rate limit exceeded.', { 'ratelimit-limit': '250', 'ratelimit-remaining': '0', 'ratelimit-reset': String(Math.ceil(now() / 1000) + (f.retryAfterS ?? 1)) }),
    routes: {
      'GET /v2/domains/{domain_name}/records': refusing((req) => {
        const domain = String(req.params.domain_name).toLowerCase();
        const name = req.query.name?.toLowerCase().replace(/\.$/, '');
        const matching = zoneOf(req).filter((r) => (!name || fqdn(domain, r.name) === name) && (!req.query.type || r.type === req.query.type));
        const perPage = Math.min(200, Number(req.query.per_page ?? 20));
        const page = Number(req.query.page ?? 1);
        const last = Math.max(1, Math.ceil(matching.length / perPage));
        // Like the real API's, these links carry page and per_page but not the name and type filters.
        const link = (p: number) => `https://api.digitalocean.com/v2/domains/${domain}/records?page=${p}&per_page=${perPage}`;
        const pages = { ...(page > 1 ? { first: link(1), prev: link(page - 1) } : {}), ...(page < last ? { last: link(last), next: link(page + 1) } : {}) };
        return { status: 200, body: { domain_records: matching.slice((page - 1) * perPage, page * perPage), links: { pages }, meta: { total: matching.length } } };
      }),
      'POST /v2/domains/{domain_name}/records': refusing((req) => {
        const list = zoneOf(req);
        const record = validated(String(req.params.domain_name).toLowerCase(), list, req.body);
        list.push(record);
        return { status: 201, body: { domain_record: record } };
      }),
      'PUT /v2/domains/{domain_name}/records/{domain_record_id}': refusing((req) => update(req)),
      'PATCH /v2/domains/{domain_name}/records/{domain_record_id}': refusing((req) => update(req)),
      'DELETE /v2/domains/{domain_name}/records/{domain_record_id}': refusing((req) => {
        const list = zoneOf(req);
        const at = list.findIndex((r) => String(r.id) === req.params.domain_record_id);
        if (at < 0) return error(404, 'not_found', 'The resource you were accessing could not be found.');
        list.splice(at, 1);
        return { status: 204 };
      }),
    },
  });

  const update = (req: MockRequest): MockReply => {
    const list = zoneOf(req);
    const at = list.findIndex((r) => String(r.id) === req.params.domain_record_id);
    if (at < 0) return error(404, 'not_found', 'The resource you were accessing could not be found.');
    const record = validated(String(req.params.domain_name).toLowerCase(), list, req.body, list[at]);
    list[at] = record;
    return { status: 200, body: { domain_record: record } };
  };

  const all = () => [...zones.entries()].flatMap(([domain, list]) => list.map((r) => ({ domain, r })));
  return {
    url: mock.url,
    mock,
    addRecord(domain, r) {
      const list = zones.get(domain) ?? zones.set(domain, []).get(domain)!;
      const record: DoRecord = { id: nextId++, type: r.type, name: r.name, data: r.data, priority: null, port: null, ttl: r.ttl ?? 1800, weight: null, flags: null, tag: null };
      list.push(record);
      return record;
    },
    ...recordViews(all, fqdn, (r) => r.data, () => mock.requests.filter((r) => MUTATING.has(r.method)).length),
    setRateLimit: (l) => rate.set({ windowS: 60, ...l }),
    injectFault: (f) => mock.injectFault(f),
    close: () => mock.close(),
  };
}
