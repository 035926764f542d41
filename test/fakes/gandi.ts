import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { dirname, join } from 'node:path';
import type { ContractFault } from '../contract/provider-contract.js';
import { BIN } from '../helpers/cli.js';
import { startServerMock, type MockReply, type MockRequest, type ServerMock } from '../helpers/servermock.js';

/**
 * A local Gandi LiveDNS v5 API after its documentation (https://api.gandi.net/docs/livedns/; the
 * description requests are checked against is test/fixtures/api-specs/gandi/livedns-v5.json, a hand
 * transcription): Bearer personal access tokens, domains, RRsets per name and type with PUT (create or
 * replace) and DELETE, TTL 300..2592000, CNAME exclusivity, Gandi's error envelope, 429 with Retry-After.
 */

export const GANDI_SPEC_SOURCE = 'test/fixtures/api-specs/gandi/livedns-v5.json';
const SPEC_PATH = join(dirname(BIN), '..', GANDI_SPEC_SOURCE);

export interface GandiFake {
  /** http://127.0.0.1:<port>/v5/livedns */
  url: string;
  mock: ServerMock;
  addDomain(fqdn: string): void;
  /** Sets (or with [] removes) an RRset behind the API's back. */
  setRrset(fqdn: string, type: string, values: string[], ttl?: number): void;
  rrset(fqdn: string, type: string): { ttl: number; values: string[] } | undefined;
  lookup(fqdn: string, type: string): string[] | null;
  /** PUT and DELETE requests received. */
  mutations(): number;
  injectFault(fault: ContractFault): void;
  close(): Promise<void>;
}

interface Rrset {
  name: string;
  type: string;
  ttl: number;
  values: string[];
}

const gandiError = (code: number, cause: string, message: string, errors?: Array<{ location: string; name: string; description: string }>, headers?: Record<string, string>): MockReply => ({
  status: code,
  body: { code, message, object: 'HTTP' + cause.replace(/\s/g, ''), cause, ...(errors ? { errors } : {}) },
  ...(headers ? { headers } : {}),
});
const notFound = () => gandiError(404, 'Not Found', 'The requested resource could not be found.');
const canonical6 = (ip: string) => new URL(`http://[${ip}]/`).hostname.slice(1, -1);

export async function startGandiFake(opts: { token: string; domains?: string[] }): Promise<GandiFake> {
  const domains = new Map<string, Map<string, Rrset>>();
  const key = (name: string, type: string) => `${name}/${type}`;
  const domainOf = (fqdn: string) => [...domains.keys()].filter((d) => fqdn === d || fqdn.endsWith(`.${d}`)).sort((a, b) => b.length - a.length)[0];
  const nameOf = (fqdn: string, d: string) => (fqdn === d ? '@' : fqdn.slice(0, -(d.length + 1)));
  const toJson = (d: string, r: Rrset) => ({ rrset_name: r.name, rrset_type: r.type, rrset_ttl: r.ttl, rrset_values: r.values, rrset_href: `${mock.url}/domains/${d}/records/${r.name}/${r.type}` });

  const routes = {
    'GET /domains/{fqdn}': (req: MockRequest): MockReply => {
      const d = req.params.fqdn!;
      if (!domains.has(d)) return notFound();
      const href = `${mock.url}/domains/${d}`;
      return { status: 200, body: { fqdn: d, automatic_snapshots: false, domain_href: href, domain_keys_href: `${href}/keys`, domain_records_href: `${href}/records` } };
    },
    'GET /domains/{fqdn}/records/{rrset_name}': (req: MockRequest): MockReply => {
      const d = domains.get(req.params.fqdn!);
      if (!d) return notFound();
      return { status: 200, body: [...d.values()].filter((r) => r.name === req.params.rrset_name).map((r) => toJson(req.params.fqdn!, r)) };
    },
    'PUT /domains/{fqdn}/records/{rrset_name}/{rrset_type}': (req: MockRequest): MockReply => {
      const d = domains.get(req.params.fqdn!);
      if (!d) return notFound();
      const { rrset_name: name, rrset_type: type } = req.params as { rrset_name: string; rrset_type: string };
      const body = req.body as { rrset_values: string[]; rrset_ttl?: number };
      const bad = (field: string, description: string) => gandiError(400, 'Bad Request', 'Invalid request', [{ location: 'body', name: field, description }]);
      if (body.rrset_ttl !== undefined && (body.rrset_ttl < 300 || body.rrset_ttl > 2_592_000)) return bad('rrset_ttl', 'must be between 300 and 2592000');
      for (const v of body.rrset_values) if ((type === 'A' && !isIPv4(v)) || (type === 'AAAA' && !isIPv6(v))) return bad('rrset_values', `invalid ${type} value: ${v}`);
      const others = [...d.values()].filter((r) => r.name === name && r.type !== type);
      if (type === 'CNAME' ? others.length > 0 : others.some((r) => r.type === 'CNAME')) return gandiError(409, 'Conflict', 'A CNAME record cannot coexist with other records at the same name');
      const values = type === 'AAAA' ? body.rrset_values.map(canonical6) : body.rrset_values;
      d.set(key(name, type), { name, type, ttl: body.rrset_ttl ?? 10_800, values });
      return { status: 201, body: { message: 'DNS Record Created' } };
    },
    'DELETE /domains/{fqdn}/records/{rrset_name}/{rrset_type}': (req: MockRequest): MockReply => {
      const d = domains.get(req.params.fqdn!);
      const k = key(req.params.rrset_name!, req.params.rrset_type!);
      if (!d?.has(k)) return notFound();
      d.delete(k);
      return { status: 204, body: '' };
    },
  };

  const mock = await startServerMock({
    basePath: '/v5/livedns',
    spec: { document: JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as Record<string, unknown>, source: GANDI_SPEC_SOURCE },
    routes,
    before: (req) =>
      req.headers.authorization === `Bearer ${opts.token}` ? undefined : gandiError(401, 'Unauthorized', 'The server could not verify that you authenticated to access the requested resource.'),
    notFound,
    faultReply: (f) =>
      f.kind === 'rate-limit'
        ? gandiError(429, 'Too Many Requests', 'Too many requests, slow down.', undefined, { 'retry-after': String(f.retryAfterS ?? 1) })
        : { status: f.status ?? 500, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', headers: { 'content-type': 'text/html' } },
  });

  const fake: GandiFake = {
    url: mock.url,
    mock,
    addDomain: (fqdn) => void domains.set(fqdn, new Map()),
    setRrset(fqdn, type, values, ttl = 10_800) {
      const d = domainOf(fqdn)!;
      const name = nameOf(fqdn, d);
      if (values.length === 0) domains.get(d)!.delete(key(name, type));
      else domains.get(d)!.set(key(name, type), { name, type, ttl, values });
    },
    rrset(fqdn, type) {
      const d = domainOf(fqdn);
      const r = d ? domains.get(d)!.get(key(nameOf(fqdn, d), type)) : undefined;
      return r && { ttl: r.ttl, values: r.values };
    },
    lookup: (fqdn, type) => fake.rrset(fqdn, type)?.values ?? null,
    mutations: () => mock.requests.filter((r) => r.method !== 'GET').length,
    injectFault: (f) => mock.injectFault(f),
    close: () => mock.close(),
  };
  for (const d of opts.domains ?? []) fake.addDomain(d);
  return fake;
}
