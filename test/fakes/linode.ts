import { isIPv4, isIPv6 } from 'node:net';
import { startServerMock, type MockReply, type MockRequest } from '../helpers/servermock.js';
import { loadApiSpec } from './api-spec.js';
import { rateWindow, Refusal, refusing, recordViews, type TokenFakeOptions, type ValueRecordFake } from './value-fake.js';

/**
 * A local Linode API v4 (domains), built with servermock against Linode's own OpenAPI description
 * (test/fixtures/api-specs/linode): Bearer auth with {errors: [{reason}]} bodies, the
 * {data, page, pages, results} envelope with page/page_size paging (25–500), one record per value
 * with relative names (a fully qualified name is made relative), TTLs rounded up to Linode's set,
 * and the rate limit: a budget per window, then 429 with Retry-After and X-RateLimit-* headers.
 */

export interface LinodeRecord {
  id: number;
  type: string;
  name: string;
  target: string;
  priority: number;
  weight: number;
  port: number;
  service: string | null;
  protocol: string | null;
  ttl_sec: number;
  tag: string | null;
  created: string;
  updated: string;
}

export interface LinodeDomainObject {
  id: number;
  type: 'master';
  domain: string;
  status: 'active';
  soa_email: string;
  ttl_sec: number;
  retry_sec: number;
  expire_sec: number;
  refresh_sec: number;
  master_ips: string[];
  axfr_ips: string[];
  tags: string[];
}

/** `url` is http://127.0.0.1:<port>/v4. */
export interface LinodeFake extends ValueRecordFake<LinodeRecord> {
  domain(name: string): LinodeDomainObject | undefined;
  addDomain(name: string, ttlSec?: number): LinodeDomainObject;
  addRecord(domain: string, r: { type: string; name: string; target: string; ttl_sec?: number }): LinodeRecord;
}

const TTLS = [30, 120, 300, 3600, 7200, 14400, 28800, 57600, 86400, 172800, 345600, 604800, 1209600, 2419200];
const rounded = (ttl: number) => (ttl === 0 ? 0 : TTLS.find((t) => ttl <= t) ?? 2419200);
const MUTATING = new Set(['POST', 'PUT', 'DELETE']);
const canonical6 = (ip: string) => new URL(`http://[${ip}]/`).hostname.slice(1, -1);
const errors = (status: number, reason: string, field?: string, headers?: Record<string, string>): MockReply => ({
  status,
  body: { errors: [{ reason, ...(field ? { field } : {}) }] },
  ...(headers ? { headers } : {}),
});

const refuse = (status: number, reason: string, field?: string): never => {
  throw new Refusal(errors(status, reason, field));
};

export async function startLinodeFake(opts: TokenFakeOptions): Promise<LinodeFake> {
  const now = opts.now ?? Date.now;
  const domains = new Map<number, { domain: LinodeDomainObject; records: LinodeRecord[] }>();
  let nextId = 5000;
  // Linode's budget for these endpoints: 800 requests in 120 s.
  const rate = rateWindow({ requests: 800, windowS: 120, ...opts.rateLimit }, now);
  const stamp = () => new Date(now()).toISOString().replace(/\.\d+Z$/, 'Z');

  const addDomain = (name: string, ttlSec = 0): LinodeDomainObject => {
    const domain: LinodeDomainObject = { id: nextId++, type: 'master', domain: name.toLowerCase(), status: 'active', soa_email: `admin@${name}`, ttl_sec: ttlSec, retry_sec: 0, expire_sec: 0, refresh_sec: 0, master_ips: [], axfr_ips: [], tags: [] };
    domains.set(domain.id, { domain, records: [] });
    return domain;
  };
  for (const d of opts.domains ?? []) addDomain(d);
  const zoneOf = (req: MockRequest) => domains.get(Number(req.params.domainId)) ?? refuse(404, 'Not found');
  const fqdn = (domain: string, name: string) => (name === '' ? domain : `${name}.${domain}`);
  /** Like the API: a fully qualified name (or the domain itself) is stored relative to the domain. */
  const relative = (domain: string, name: string) => {
    const n = name.toLowerCase().replace(/\.$/, '');
    return n === domain ? '' : n.endsWith(`.${domain}`) ? n.slice(0, -(domain.length + 1)) : n;
  };

  const page = <T>(req: MockRequest, items: T[]): MockReply => {
    const size = Number(req.query.page_size ?? 100);
    if (size < 25 || size > 500) return errors(400, 'Must be 25-500', 'page_size');
    const pages = Math.max(1, Math.ceil(items.length / size));
    const at = Number(req.query.page ?? 1);
    if (at > pages) return errors(400, 'Must be 1-' + String(pages), 'page');
    return { status: 200, body: { data: items.slice((at - 1) * size, at * size), page: at, pages, results: items.length } };
  };

  const checkTarget = (type: string, target: unknown): string => {
    if (typeof target !== 'string' || target === '') return refuse(400, 'Target is required', 'target');
    if (type === 'A' && !isIPv4(target)) return refuse(400, 'You must provide a valid IPv4 address.', 'target');
    if (type === 'AAAA' && !isIPv6(target)) return refuse(400, 'You must provide a valid IPv6 address.', 'target');
    return type === 'AAAA' ? canonical6(target) : target;
  };
  const checkClash = (zone: { domain: LinodeDomainObject; records: LinodeRecord[] }, type: string, name: string, self?: number) => {
    const others = zone.records.filter((r) => r.name === name && r.id !== self);
    if ((type === 'CNAME' && others.length > 0) || others.some((r) => r.type === 'CNAME')) refuse(400, 'Record conflict - CNAMES must be unique', 'name');
  };

  const rateHeaders = (retryS: number) => ({
    'retry-after': String(retryS),
    'x-ratelimit-limit': String(rate.limit.requests),
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': String(Math.ceil(now() / 1000) + retryS),
  });

  const mock = await startServerMock({
    basePath: '/v4',
    spec: loadApiSpec('linode/domains.openapi.json'),
    before: (req) => {
      if (req.headers.authorization !== `Bearer ${opts.token}`) return errors(401, 'Invalid Token');
      if (!rate.take()) return errors(429, 'Too many requests', undefined, rateHeaders(Math.max(1, Math.ceil((rate.resetsAt() - now()) / 1000))));
      return undefined;
    },
    notFound: () => errors(404, 'Not found'),
    faultReply: (f) => (f.kind === 'http-5xx' ? errors(f.status ?? 500, 'Please try again later') : errors(429, 'Too many requests', undefined, rateHeaders(f.retryAfterS ?? 1))),
    routes: {
      'GET /domains': refusing((req) => page(req, [...domains.values()].map((d) => d.domain))),
      'GET /domains/{domainId}': refusing((req) => ({ status: 200, body: zoneOf(req).domain })),
      'GET /domains/{domainId}/records': refusing((req) => page(req, zoneOf(req).records)),
      'POST /domains/{domainId}/records': refusing((req) => {
        const zone = zoneOf(req);
        const b = (req.body ?? {}) as Record<string, unknown>;
        const type = String(b.type);
        if (!['A', 'AAAA', 'CNAME', 'TXT'].includes(type)) return errors(400, 'Invalid record type', 'type');
        const name = relative(zone.domain.domain, typeof b.name === 'string' ? b.name : '');
        const target = checkTarget(type, b.target);
        checkClash(zone, type, name);
        const t = stamp();
        const record: LinodeRecord = { id: nextId++, type, name, target, priority: 0, weight: 0, port: 0, service: null, protocol: null, ttl_sec: rounded(typeof b.ttl_sec === 'number' ? b.ttl_sec : 0), tag: null, created: t, updated: t };
        zone.records.push(record);
        return { status: 200, body: record };
      }),
      'PUT /domains/{domainId}/records/{recordId}': refusing((req) => {
        const zone = zoneOf(req);
        const record = zone.records.find((r) => String(r.id) === req.params.recordId) ?? refuse(404, 'Not found');
        const b = (req.body ?? {}) as Record<string, unknown>;
        const name = typeof b.name === 'string' ? relative(zone.domain.domain, b.name) : record.name;
        const target = b.target === undefined ? record.target : checkTarget(record.type, b.target);
        checkClash(zone, record.type, name, record.id);
        Object.assign(record, { name, target, ttl_sec: typeof b.ttl_sec === 'number' ? rounded(b.ttl_sec) : record.ttl_sec, updated: stamp() });
        return { status: 200, body: record };
      }),
      'DELETE /domains/{domainId}/records/{recordId}': refusing((req) => {
        const zone = zoneOf(req);
        const at = zone.records.findIndex((r) => String(r.id) === req.params.recordId);
        if (at < 0) return errors(404, 'Not found');
        zone.records.splice(at, 1);
        return { status: 200, body: {} };
      }),
    },
  });

  const all = () => [...domains.values()].flatMap((z) => z.records.map((r) => ({ domain: z.domain.domain, r })));
  const byName = (name: string) => [...domains.values()].find((z) => z.domain.domain === name);
  return {
    url: mock.url,
    mock,
    domain: (name) => byName(name)?.domain,
    addDomain,
    addRecord(domain, r) {
      const zone = byName(domain) ?? domains.get(addDomain(domain).id)!;
      const t = stamp();
      const record: LinodeRecord = { id: nextId++, type: r.type, name: r.name, target: r.target, priority: 0, weight: 0, port: 0, service: null, protocol: null, ttl_sec: r.ttl_sec ?? 0, tag: null, created: t, updated: t };
      zone.records.push(record);
      return record;
    },
    ...recordViews(all, fqdn, (r) => r.target, () => mock.requests.filter((r) => MUTATING.has(r.method)).length),
    setRateLimit: (l) => rate.set({ windowS: 120, ...l }),
    injectFault: (f) => mock.injectFault(f),
    close: () => mock.close(),
  };
}
