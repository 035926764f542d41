import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ContractFault } from '../contract/provider-contract.js';
import { BIN } from '../helpers/cli.js';
import { startServerMock, type MockReply, type MockRequest, type ServerMock } from '../helpers/servermock.js';

/**
 * A local OVHcloud API (/1.0) checked against a transcription of OVH's own API schema
 * (test/fixtures/api-specs/ovh: /domain/zone record operations, refresh, /auth/time). It verifies
 * every request's signature ("$1$" + SHA-1 of secret+consumer key+method+URL+body+timestamp), refuses
 * a timestamp more than 5 minutes off its own clock (QUERY_TIME_OUT), answers OVH's error bodies
 * ({errorCode, httpCode, message}), and serves DNS only what was refreshed: `lookup` shows the
 * published zone, so a write without POST /refresh is not seen.
 */

export const OVH_SPEC = join(dirname(BIN), '..', 'test', 'fixtures', 'api-specs', 'ovh', 'domain-1.0.json');

export interface OvhFakeOptions {
  zones: string[];
  applicationKey: string;
  applicationSecret: string;
  consumerKey: string;
  /** Seconds the fake's clock is ahead of this machine's. Default 0. */
  clockOffsetS?: number;
}

export interface OvhFakeRecord {
  id: number;
  zone: string;
  fieldType: string;
  subDomain: string;
  target: string;
  ttl: number;
}

export interface OvhFake {
  /** http://127.0.0.1:<port>/1.0 */
  url: string;
  mock: ServerMock;
  /** Published (refreshed) targets of a name and type; null when none. */
  lookup(name: string, type: string): string[] | null;
  /** Records as the API holds them (refreshed or not). */
  records(name: string, type?: string): OvhFakeRecord[];
  /** Adds a record behind the provider's back (published at once). */
  add(name: string, fieldType: string, target: string, ttl?: number): OvhFakeRecord;
  refreshes: number;
  mutations(): number;
  requests(): number;
  injectFault(f: ContractFault): void;
  close(): Promise<void>;
}

const ovhError = (status: number, errorCode: string, message: string, httpCode: string): MockReply => ({ status, body: { errorCode, httpCode, message } });

export async function startOvhFake(o: OvhFakeOptions): Promise<OvhFake> {
  const records = new Map<number, OvhFakeRecord>();
  let published: OvhFakeRecord[] = [];
  let nextId = 5_000_000_001;
  let refreshes = 0;
  let mutations = 0;
  const now = () => Math.floor(Date.now() / 1000) + (o.clockOffsetS ?? 0);
  const split = (name: string): [string, string] => {
    const zone = o.zones.find((z) => name === z || name.endsWith(`.${z}`))!;
    return [zone, name === zone ? '' : name.slice(0, -zone.length - 1)];
  };
  const zoneOf = (req: MockRequest): string | MockReply => (o.zones.includes(req.params.zoneName!) ? req.params.zoneName! : { status: 404, body: { message: 'This service does not exist' } });
  const recordOf = (req: MockRequest): OvhFakeRecord | MockReply => {
    const zone = zoneOf(req);
    if (typeof zone !== 'string') return zone;
    const r = records.get(Number(req.params.id));
    return r && r.zone === zone ? r : { status: 404, body: { message: `The requested object (id = ${req.params.id}) does not exist` } };
  };

  const mock: ServerMock = await startServerMock({
    basePath: '/1.0',
    spec: { document: JSON.parse(readFileSync(OVH_SPEC, 'utf8')) as Record<string, unknown>, source: 'OVH API schema /1.0/domain.json (transcription)' },
    before: (req) => {
      if (req.path === '/auth/time') return undefined;
      const h = req.headers;
      if (h['x-ovh-application'] !== o.applicationKey) return ovhError(403, 'INVALID_KEY', 'This application key is invalid', '403 Forbidden');
      if (h['x-ovh-consumer'] !== o.consumerKey) return ovhError(403, 'INVALID_CREDENTIAL', 'This credential is not valid', '403 Forbidden');
      const timestamp = Number(h['x-ovh-timestamp']);
      if (!Number.isInteger(timestamp) || Math.abs(timestamp - now()) > 300) return ovhError(400, 'QUERY_TIME_OUT', 'Query out of time', '400 Bad Request');
      const qs = req.queryAll.toString();
      const url = `${mock.url}${req.path}${qs ? `?${qs}` : ''}`;
      // Written from OVH's documentation, independently of the provider's own signing code.
      const expected = `$1$${createHash('sha1').update(`${o.applicationSecret}+${o.consumerKey}+${req.method}+${url}+${req.raw}+${timestamp}`).digest('hex')}`;
      if (h['x-ovh-signature'] !== expected) return ovhError(400, 'INVALID_SIGNATURE', 'Invalid signature', '400 Bad Request');
      return undefined;
    },
    faultReply: (f) => (f.kind === 'http-5xx' ? { status: f.status ?? 500, body: { message: 'Internal server error' } } : { status: 429, body: { message: 'Too many requests' }, headers: { 'retry-after': String(f.retryAfterS ?? 1) } }),
    routes: {
      'GET /auth/time': () => ({ status: 200, body: now() }),
      'GET /domain/zone/{zoneName}/record': (req) => {
        const zone = zoneOf(req);
        if (typeof zone !== 'string') return zone;
        const ids = [...records.values()]
          .filter((r) => r.zone === zone && (req.query.subDomain === undefined || r.subDomain.toLowerCase() === req.query.subDomain.toLowerCase()) && (req.query.fieldType === undefined || r.fieldType === req.query.fieldType))
          .map((r) => r.id);
        return { status: 200, body: ids };
      },
      'POST /domain/zone/{zoneName}/record': (req) => {
        const zone = zoneOf(req);
        if (typeof zone !== 'string') return zone;
        const b = req.body as { fieldType: string; subDomain?: string; target: string; ttl?: number };
        const r: OvhFakeRecord = { id: nextId++, zone, fieldType: b.fieldType, subDomain: b.subDomain ?? '', target: b.target, ttl: b.ttl ?? 0 };
        records.set(r.id, r);
        mutations++;
        return { status: 200, body: r };
      },
      'GET /domain/zone/{zoneName}/record/{id}': (req) => {
        const r = recordOf(req);
        return 'id' in r ? { status: 200, body: r } : r;
      },
      'PUT /domain/zone/{zoneName}/record/{id}': (req) => {
        const r = recordOf(req);
        if (!('id' in r)) return r;
        Object.assign(r, req.body as Partial<OvhFakeRecord>);
        mutations++;
        return { status: 200, body: null };
      },
      'DELETE /domain/zone/{zoneName}/record/{id}': (req) => {
        const r = recordOf(req);
        if (!('id' in r)) return r;
        records.delete(r.id);
        mutations++;
        return { status: 200, body: null };
      },
      'POST /domain/zone/{zoneName}/refresh': (req) => {
        const zone = zoneOf(req);
        if (typeof zone !== 'string') return zone;
        published = [...published.filter((r) => r.zone !== zone), ...[...records.values()].filter((r) => r.zone === zone).map((r) => ({ ...r }))];
        refreshes++;
        mutations++;
        return { status: 200, body: null };
      },
    },
  });

  return {
    url: mock.url,
    mock,
    lookup(name, type) {
      const [zone, sub] = split(name);
      const hits = published.filter((r) => r.zone === zone && r.subDomain === sub && r.fieldType === type).map((r) => r.target);
      return hits.length ? hits : null;
    },
    records(name, type) {
      const [zone, sub] = split(name);
      return [...records.values()].filter((r) => r.zone === zone && r.subDomain === sub && (type === undefined || r.fieldType === type));
    },
    add(name, fieldType, target, ttl = 3600) {
      const [zone, subDomain] = split(name);
      const r = { id: nextId++, zone, fieldType, subDomain, target, ttl };
      records.set(r.id, r);
      published.push({ ...r });
      return r;
    },
    get refreshes() {
      return refreshes;
    },
    mutations: () => mutations,
    requests: () => mock.requests.length,
    injectFault: (f) => mock.injectFault(f),
    close: () => mock.close(),
  };
}
