import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { dirname, join } from 'node:path';
import type { ContractFault } from '../contract/provider-contract.js';
import { BIN } from '../helpers/cli.js';
import { startServerMock, type MockReply, type MockRequest, type ServerMock } from '../helpers/servermock.js';

/**
 * A local deSEC API (/api/v1) after its documentation (desec.readthedocs.io; the description the
 * requests are checked against is test/fixtures/api-specs/desec/desec-rrsets.json, transcribed from
 * that prose): Token auth, domains with minimum_ttl, RRsets listed with subname/type filters and
 * cursor paging (Link rel="next"; a listing larger than a page without cursor is a 400), the atomic
 * bulk PATCH with stage-1 errors as a list aligned with the request, CNAME exclusivity, and 429 with
 * Retry-After.
 */

export const DESEC_SPEC_PATH = join(dirname(BIN), '..', 'test', 'fixtures', 'api-specs', 'desec', 'desec-rrsets.json');

export interface DesecFake {
  /** http://127.0.0.1:<port>/api/v1 */
  url: string;
  mock: ServerMock;
  addDomain(name: string, minimumTtl?: number): void;
  /** Sets (or with [] removes) an RRset behind the API's back. */
  setRrset(fqdn: string, type: string, records: string[], ttl?: number): void;
  rrset(fqdn: string, type: string): { ttl: number; records: string[] } | undefined;
  lookup(fqdn: string, type: string): string[] | null;
  /** PATCH requests received. */
  mutations(): number;
  /** Page size of RRset listings (deSEC: 500). */
  setPageSize(n: number): void;
  injectFault(fault: ContractFault): void;
  close(): Promise<void>;
}

interface Rrset {
  subname: string;
  type: string;
  ttl: number;
  records: string[];
  created: string;
}

const detail = (status: number, text: string, headers?: Record<string, string>): MockReply => ({ status, body: { detail: text }, ...(headers ? { headers } : {}) });
const canonical6 = (ip: string) => new URL(`http://[${ip}]/`).hostname.slice(1, -1);

export async function startDesecFake(opts: { token: string; domains?: string[]; minimumTtl?: number }): Promise<DesecFake> {
  const domains = new Map<string, { minimumTtl: number; rrsets: Map<string, Rrset> }>();
  let pageSize = 500;
  const key = (subname: string, type: string) => `${subname}/${type}`;
  const domainOf = (fqdn: string) => [...domains.keys()].filter((d) => fqdn === d || fqdn.endsWith(`.${d}`)).sort((a, b) => b.length - a.length)[0];
  const subOf = (fqdn: string, d: string) => (fqdn === d ? '' : fqdn.slice(0, -(d.length + 1)));
  const toJson = (d: string, r: Rrset) => ({ created: r.created, domain: d, subname: r.subname, name: `${r.subname ? `${r.subname}.` : ''}${d}.`, type: r.type, records: r.records, ttl: r.ttl, touched: r.created });
  const domainJson = (name: string) => ({ created: '2026-01-01T00:00:00.000000Z', minimum_ttl: domains.get(name)!.minimumTtl, name, published: '2026-01-01T00:00:00.000000Z', touched: '2026-01-01T00:00:00.000000Z' });

  /** Stage-1 validation of one bulk item against the domain as it would be after the earlier items. */
  const check = (d: string, state: Map<string, Rrset>, item: Record<string, unknown>): string | Record<string, string[]> => {
    const errors: Record<string, string[]> = {};
    const type = item.type as string;
    const records = item.records as string[] | undefined;
    const existing = state.get(key((item.subname as string | undefined) ?? '', type));
    if (!existing && records && records.length > 0 && item.ttl === undefined) errors.ttl = ['This field is required.'];
    if (typeof item.ttl === 'number' && item.ttl < domains.get(d)!.minimumTtl) errors.ttl = [`Ensure this value is greater than or equal to ${domains.get(d)!.minimumTtl}.`];
    for (const v of records ?? []) {
      if ((type === 'A' && !isIPv4(v)) || (type === 'AAAA' && !isIPv6(v))) errors.records = [`Record content for type ${type} malformed: ${v}`];
    }
    const subname = (item.subname as string | undefined) ?? '';
    const others = [...state.values()].filter((r) => r.subname === subname && r.type !== type);
    if (records?.length && (type === 'CNAME' ? others.length > 0 : others.some((r) => r.type === 'CNAME'))) {
      errors.non_field_errors = [`RRset with conflicting type present: ${subname || '@'} (CNAME). (No other RRsets are allowed alongside CNAME.)`];
    }
    return Object.keys(errors).length ? errors : '';
  };

  const routes = {
    'GET /domains/': (req: MockRequest): MockReply => {
      const q = req.query.owns_qname;
      const names = q === undefined ? [...domains.keys()] : [domainOf(q.toLowerCase())].filter((d): d is string => d !== undefined);
      return { status: 200, body: names.map(domainJson) };
    },
    'GET /domains/{name}/': (req: MockRequest): MockReply => (domains.has(req.params.name!) ? { status: 200, body: domainJson(req.params.name!) } : detail(404, 'Not found.')),
    'GET /domains/{name}/rrsets/': (req: MockRequest): MockReply => {
      const d = domains.get(req.params.name!);
      if (!d) return detail(404, 'Not found.');
      const all = [...d.rrsets.values()]
        .filter((r) => (req.query.subname === undefined || r.subname === req.query.subname) && (req.query.type === undefined || r.type === req.query.type))
        .sort((a, b) => b.created.localeCompare(a.created));
      if (req.query.cursor === undefined) {
        if (all.length > pageSize) return detail(400, `Pagination required. You can query up to ${pageSize} items at a time ({cursor} parameter).`);
        return { status: 200, body: all.map((r) => toJson(req.params.name!, r)) };
      }
      const from = req.query.cursor === '' ? 0 : Number(Buffer.from(req.query.cursor, 'base64url').toString());
      const page = all.slice(from, from + pageSize);
      const headers: Record<string, string> = {};
      if (from + pageSize < all.length) {
        const next = new URL(`${mock.url}/domains/${req.params.name}/rrsets/`);
        if (req.query.subname !== undefined) next.searchParams.set('subname', req.query.subname);
        next.searchParams.set('cursor', Buffer.from(String(from + pageSize)).toString('base64url'));
        headers.link = `<${mock.url}/domains/${req.params.name}/rrsets/?cursor=>; rel="first", <${next.href}>; rel="next"`;
      }
      return { status: 200, body: page.map((r) => toJson(req.params.name!, r)), headers };
    },
    'PATCH /domains/{name}/rrsets/': (req: MockRequest): MockReply => {
      const name = req.params.name!;
      const d = domains.get(name);
      if (!d) return detail(404, 'Not found.');
      if (!Array.isArray(req.body)) return detail(400, 'Invalid data. Expected a list.');
      const working = new Map([...d.rrsets].map(([k, r]) => [k, { ...r }]));
      const errors = (req.body as Array<Record<string, unknown>>).map((item) => {
        const why = check(name, working, item);
        if (why) return why;
        const subname = (item.subname as string | undefined) ?? '';
        const k = key(subname, item.type as string);
        const records = item.records as string[] | undefined;
        if (records && records.length === 0) working.delete(k);
        else {
          const old = working.get(k);
          const canon = (v: string) => (item.type === 'AAAA' ? canonical6(v) : v);
          working.set(k, { subname, type: item.type as string, ttl: (item.ttl as number | undefined) ?? old!.ttl, records: records ? records.map(canon) : old!.records, created: old?.created ?? new Date(Date.now() + seq++).toISOString() });
        }
        return '';
      });
      if (errors.some(Boolean)) return { status: 400, body: errors.map((e) => e || {}) };
      d.rrsets = working;
      return { status: 200, body: [...working.values()].map((r) => toJson(name, r)) };
    },
  };
  let seq = 0;

  const mock = await startServerMock({
    basePath: '/api/v1',
    spec: { document: JSON.parse(readFileSync(DESEC_SPEC_PATH, 'utf8')) as Record<string, unknown>, source: 'test/fixtures/api-specs/desec/desec-rrsets.json' },
    routes,
    before: (req) => (req.headers.authorization === `Token ${opts.token}` ? undefined : detail(401, 'Invalid token.')),
    notFound: () => detail(404, 'Not found.'),
    faultReply: (f) =>
      f.kind === 'rate-limit'
        ? detail(429, `Request was throttled. Expected available in ${f.retryAfterS ?? 1} seconds.`, { 'retry-after': String(f.retryAfterS ?? 1) })
        : { status: f.status ?? 500, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', headers: { 'content-type': 'text/html' } },
  });

  const fake: DesecFake = {
    url: mock.url,
    mock,
    addDomain(name, minimumTtl = opts.minimumTtl ?? 3600) {
      domains.set(name, { minimumTtl, rrsets: new Map() });
    },
    setRrset(fqdn, type, records, ttl = 3600) {
      const d = domainOf(fqdn)!;
      const subname = subOf(fqdn, d);
      if (records.length === 0) domains.get(d)!.rrsets.delete(key(subname, type));
      else domains.get(d)!.rrsets.set(key(subname, type), { subname, type, ttl, records, created: new Date(Date.now() + seq++).toISOString() });
    },
    rrset(fqdn, type) {
      const d = domainOf(fqdn);
      const r = d ? domains.get(d)!.rrsets.get(key(subOf(fqdn, d), type)) : undefined;
      return r && { ttl: r.ttl, records: r.records };
    },
    lookup(fqdn, type) {
      return fake.rrset(fqdn, type)?.records ?? null;
    },
    mutations: () => mock.requests.filter((r) => r.method !== 'GET').length,
    setPageSize(n) {
      pageSize = n;
    },
    injectFault: (f) => mock.injectFault(f),
    close: () => mock.close(),
  };
  for (const d of opts.domains ?? []) fake.addDomain(d);
  return fake;
}
