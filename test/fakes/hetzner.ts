import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { dirname, join } from 'node:path';
import type { ContractFault } from '../contract/provider-contract.js';
import { BIN } from '../helpers/cli.js';
import { startServerMock, type MockReply, type MockRequest, type ServerMock } from '../helpers/servermock.js';

/**
 * A local Hetzner Cloud API (/v1) for DNS after its OpenAPI description (the excerpt in
 * test/fixtures/api-specs/hetzner/hcloud-dns.json, against which every request and answer is
 * checked): Bearer auth, zones addressed by id or name, RRSets listed with name/type filters and
 * page/per_page paging (meta.pagination), changes as Actions that run until polled, the
 * {"error": {code, message}} envelope, and the RateLimit-Limit/-Remaining/-Reset headers on every
 * answer, with 429 rate_limit_exceeded when the budget is spent.
 */

export const HETZNER_SPEC_PATH = join(dirname(BIN), '..', 'test', 'fixtures', 'api-specs', 'hetzner', 'hcloud-dns.json');

interface Rrset {
  name: string;
  type: string;
  ttl: number | null;
  values: string[];
}

export interface HetznerFake {
  /** http://127.0.0.1:<port>/v1 */
  url: string;
  mock: ServerMock;
  addZone(name: string): void;
  /** Sets (or with [] removes) an RRSet behind the API's back; ttl null = the zone's default. */
  setRrset(fqdn: string, type: string, values: string[], ttl?: number | null): void;
  rrset(fqdn: string, type: string): { ttl: number | null; values: string[] } | undefined;
  lookup(fqdn: string, type: string): string[] | null;
  mutations(): number;
  /** Most RRSets per page (Hetzner: 100). */
  setMaxPerPage(n: number): void;
  /** How many polls of GET /actions/{id} an Action stays "running" (default 1). */
  setActionPolls(n: number): void;
  /** The next Action ends in status "error" (after its polls). */
  failNextAction(): void;
  injectFault(fault: ContractFault): void;
  close(): Promise<void>;
}

const error = (status: number, code: string, message: string): MockReply => ({ status, body: { error: { code, message, details: null } } });
const canonical6 = (ip: string) => new URL(`http://[${ip}]/`).hostname.slice(1, -1);
const isoNow = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export async function startHetznerFake(opts: { token: string; zones?: string[] }): Promise<HetznerFake> {
  const zones = new Map<string, { id: number; rrsets: Map<string, Rrset> }>();
  const actions = new Map<number, { body: Record<string, unknown>; pollsLeft: number; fails: boolean }>();
  let maxPerPage = 100;
  let actionPolls = 1;
  let failNext = false;
  let nextId = 1;
  const key = (name: string, type: string) => `${name}/${type}`;
  const zoneOf = (idOrName: string) => [...zones].find(([name, z]) => name === idOrName || String(z.id) === idOrName);
  const fqdnZone = (fqdn: string) => [...zones.keys()].find((z) => fqdn === z || fqdn.endsWith(`.${z}`))!;
  const relName = (fqdn: string, z: string) => (fqdn === z ? '@' : fqdn.slice(0, -(z.length + 1)));

  const startAction = (command: string, zoneId: number): MockReply => {
    const id = nextId++;
    const body = { command, error: null, finished: null, id, progress: 0, resources: [{ id: zoneId, type: 'zone' }], started: isoNow(), status: actionPolls > 0 ? 'running' : 'success' };
    actions.set(id, { body, pollsLeft: actionPolls, fails: failNext });
    failNext = false;
    return { status: 201, body: { action: body } };
  };

  /** The zone and RRSet a change addresses, or the error Hetzner would answer. */
  const target = (req: MockRequest): { zone: [string, { id: number; rrsets: Map<string, Rrset> }]; name: string; type: string } | MockReply => {
    const zone = zoneOf(req.params.id_or_name!);
    if (!zone) return error(404, 'not_found', 'zone not found');
    const name = req.params.rr_name!;
    if (name !== name.toLowerCase() || name.endsWith('.') || name.endsWith(zone[0])) return error(400, 'invalid_input', 'invalid rr_name');
    return { zone, name, type: req.params.rr_type! };
  };

  const checkValues = (type: string, values: string[]): string | undefined => {
    if (new Set(values).size !== values.length) return 'records must only contain distinct record values';
    for (const v of values) if ((type === 'A' && !isIPv4(v)) || (type === 'AAAA' && !isIPv6(v))) return `invalid ${type} record value ${v}`;
    return undefined;
  };
  const cnameClash = (rrsets: Map<string, Rrset>, name: string, type: string) =>
    [...rrsets.values()].some((r) => r.name === name && (type === 'CNAME' ? r.type !== 'CNAME' : r.type === 'CNAME'));
  const canon = (type: string, values: string[]) => (type === 'AAAA' ? values.map(canonical6) : values);

  const routes = {
    'GET /actions/{id}': (req: MockRequest): MockReply => {
      const a = actions.get(Number(req.params.id));
      if (!a) return error(404, 'not_found', 'action not found');
      if (a.pollsLeft > 0) a.pollsLeft--;
      if (a.pollsLeft === 0 && a.body.status === 'running') {
        Object.assign(a.body, { status: a.fails ? 'error' : 'success', progress: 100, finished: isoNow(), ...(a.fails ? { error: { code: 'action_failed', message: 'Action failed' } } : {}) });
      }
      return { status: 200, body: { action: a.body } };
    },
    'GET /zones/{id_or_name}/rrsets': (req: MockRequest): MockReply => {
      const zone = zoneOf(req.params.id_or_name!);
      if (!zone) return error(404, 'not_found', 'zone not found');
      const types = req.queryAll.getAll('type');
      const all = [...zone[1].rrsets.values()]
        .filter((r) => (req.query.name === undefined || r.name === req.query.name) && (types.length === 0 || types.includes(r.type)))
        .sort((a, b) => key(a.name, a.type).localeCompare(key(b.name, b.type)));
      const perPage = Math.min(Number(req.query.per_page ?? 25), maxPerPage);
      const page = Number(req.query.page ?? 1);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const rrsets = all.slice((page - 1) * perPage, page * perPage).map((r) => ({
        id: key(r.name, r.type),
        labels: {},
        name: r.name,
        protection: { change: false },
        records: r.values.map((value) => ({ value })),
        ttl: r.ttl,
        type: r.type,
        zone: zone[1].id,
      }));
      const pagination = { page, per_page: perPage, previous_page: page > 1 ? page - 1 : null, next_page: page < last ? page + 1 : null, last_page: last, total_entries: all.length };
      return { status: 200, body: { meta: { pagination }, rrsets } };
    },
    'DELETE /zones/{id_or_name}/rrsets/{rr_name}/{rr_type}': (req: MockRequest): MockReply => {
      const t = target(req);
      if (!('zone' in t)) return t;
      if (!t.zone[1].rrsets.delete(key(t.name, t.type))) return error(404, 'not_found', 'rrset not found');
      return startAction('delete_rrset', t.zone[1].id);
    },
    'POST /zones/{id_or_name}/rrsets/{rr_name}/{rr_type}/actions/add_records': (req: MockRequest): MockReply => {
      const t = target(req);
      if (!('zone' in t)) return t;
      const body = req.body as { records: { value: string }[]; ttl?: number | null };
      const existing = t.zone[1].rrsets.get(key(t.name, t.type));
      const values = body.records.map((r) => r.value);
      const bad = checkValues(t.type, [...(existing?.values ?? []), ...values]);
      if (bad) return error(400, 'invalid_input', bad);
      if (existing && body.ttl !== undefined && existing.ttl !== body.ttl) return error(400, 'invalid_input', 'ttl must be the same as the existing RRSet TTL');
      if (cnameClash(t.zone[1].rrsets, t.name, t.type)) return error(422, 'rrset_conflict', `a CNAME RRSet cannot share its name (${t.name})`);
      t.zone[1].rrsets.set(key(t.name, t.type), { name: t.name, type: t.type, ttl: existing?.ttl ?? body.ttl ?? null, values: canon(t.type, [...(existing?.values ?? []), ...values]) });
      return startAction('add_rrset_records', t.zone[1].id);
    },
    'POST /zones/{id_or_name}/rrsets/{rr_name}/{rr_type}/actions/set_records': (req: MockRequest): MockReply => {
      const t = target(req);
      if (!('zone' in t)) return t;
      const existing = t.zone[1].rrsets.get(key(t.name, t.type));
      if (!existing) return error(404, 'not_found', 'rrset not found');
      const values = (req.body as { records: { value: string }[] }).records.map((r) => r.value);
      const bad = checkValues(t.type, values);
      if (bad) return error(400, 'invalid_input', bad);
      existing.values = canon(t.type, values);
      return startAction('set_rrset_records', t.zone[1].id);
    },
    'POST /zones/{id_or_name}/rrsets/{rr_name}/{rr_type}/actions/change_ttl': (req: MockRequest): MockReply => {
      const t = target(req);
      if (!('zone' in t)) return t;
      const existing = t.zone[1].rrsets.get(key(t.name, t.type));
      if (!existing) return error(404, 'not_found', 'rrset not found');
      existing.ttl = (req.body as { ttl: number | null }).ttl;
      return startAction('change_rrset_ttl', t.zone[1].id);
    },
  };

  let remaining = 3600;
  const mock = await startServerMock({
    basePath: '/v1',
    spec: { document: JSON.parse(readFileSync(HETZNER_SPEC_PATH, 'utf8')) as Record<string, unknown>, source: 'test/fixtures/api-specs/hetzner/hcloud-dns.json' },
    routes,
    before: (req) => {
      remaining = Math.max(0, remaining - 1);
      return req.headers.authorization === `Bearer ${opts.token}` ? undefined : error(401, 'unauthorized', 'unable to authenticate');
    },
    notFound: () => error(404, 'not_found', 'not found'),
    headers: () => ({ 'ratelimit-limit': '3600', 'ratelimit-remaining': String(remaining), 'ratelimit-reset': String(Math.ceil(Date.now() / 1000) + (3600 - remaining)) }),
    faultReply: (f): MockReply =>
      f.kind === 'rate-limit'
        ? { ...error(429, 'rate_limit_exceeded', 'limit of 3600 requests per hour reached'), headers: { 'ratelimit-remaining': '0', 'ratelimit-reset': String(Math.ceil(Date.now() / 1000) + (f.retryAfterS ?? 1)) } }
        : { status: f.status ?? 500, body: '<html><body><h1>503 Service Unavailable</h1></body></html>', headers: { 'content-type': 'text/html' } },
  });

  const fake: HetznerFake = {
    url: mock.url,
    mock,
    addZone(name) {
      zones.set(name, { id: 1000 + zones.size, rrsets: new Map() });
    },
    setRrset(fqdn, type, values, ttl = 3600) {
      const z = fqdnZone(fqdn);
      const name = relName(fqdn, z);
      if (values.length === 0) zones.get(z)!.rrsets.delete(key(name, type));
      else zones.get(z)!.rrsets.set(key(name, type), { name, type, ttl, values });
    },
    rrset(fqdn, type) {
      const z = fqdnZone(fqdn);
      const r = z ? zones.get(z)!.rrsets.get(key(relName(fqdn, z), type)) : undefined;
      return r && { ttl: r.ttl, values: r.values };
    },
    lookup: (fqdn, type) => fake.rrset(fqdn, type)?.values ?? null,
    mutations: () => mock.requests.filter((r) => r.method !== 'GET').length,
    setMaxPerPage(n) {
      maxPerPage = n;
    },
    setActionPolls(n) {
      actionPolls = n;
    },
    failNextAction() {
      failNext = true;
    },
    injectFault: (f) => mock.injectFault(f),
    close: () => mock.close(),
  };
  for (const z of opts.zones ?? []) fake.addZone(z);
  return fake;
}
