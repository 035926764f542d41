import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import type { Provider, RecordRef } from '../../providers/kit/types.js';
import linodeProvider, { createLinodeProvider, linodeConfigSchema } from '../../providers/linode/index.js';
import { startServerMock } from '../helpers/servermock.js';
import { loadApiSpec } from '../fakes/api-spec.js';
import { startLinodeFake, type LinodeFake } from '../fakes/linode.js';
import { providerContract } from './provider-contract.js';

const TOKEN = randomBytes(32).toString('hex');
const BAD_TOKEN = randomBytes(32).toString('hex');
const ctx = { userAgent: 'dnsfail/test (+contract)', baseDir: '/' };
const SPEC = 'test/fixtures/api-specs/linode/domains.openapi.json';
let validated = 0;

function providerFor(url: string, extra: Record<string, unknown> = {}, pageSize?: number): Provider {
  const config = linodeConfigSchema.parse({ type: 'linode', token: TOKEN, endpoint: url, ...extra });
  return createLinodeProvider(config, ctx, { timeoutMs: 500, ...(pageSize ? { pageSize } : {}) });
}

function settle(fake: LinodeFake): void {
  assert.deepEqual(fake.mock.violations, [], `requests or answers that break ${SPEC}`);
  validated += fake.mock.requests.length;
}

after(() => console.log(`linode: ${validated} requests validated against ${SPEC}`));

let contractFake: LinodeFake;
providerContract({
  kind: 'linode',
  capabilities: linodeProvider.capabilities,
  factory: linodeProvider,
  zone: 'example.test',
  start: async () => {
    contractFake = await startLinodeFake({ token: TOKEN, domains: ['example.test'] });
  },
  stop: async () => {
    settle(contractFake);
    await contractFake.close();
  },
  provider: () => providerFor(contractFake.url),
  badAuthProvider: () => providerFor(contractFake.url, { token: BAD_TOKEN }),
  settings: () => ({ type: 'linode', token: TOKEN, endpoint: contractFake.url }),
  lookup: async (name, type) => contractFake.lookup(name, type),
  mutations: () => contractFake.mutations(),
  requests: () => contractFake.mock.requests.length,
  injectFault: (f) => contractFake.injectFault(f),
});

const A = (name: string): RecordRef => ({ name, type: 'A' });
const seen = (fake: LinodeFake, from: number) => fake.mock.requests.slice(from).map((r) => `${r.method} ${r.path}`);

describe('linode specifics (fake API checked against Linode\'s OpenAPI)', () => {
  let fake: LinodeFake;
  let p: Provider;
  before(async () => {
    fake = await startLinodeFake({ token: TOKEN, domains: ['example.com', 'sub.example.com', 'other.com'] });
  });
  after(async () => {
    settle(fake);
    await fake.close();
  });
  beforeEach(() => {
    p = providerFor(fake.url);
    fake.setRateLimit({ requests: 800 });
  });

  it('finds the longest domain holding the name from one listing per run, and stores names relative to it', async () => {
    const start = fake.mock.requests.length;
    await p.write(A('app.sub.example.com'), { values: ['192.0.2.10'], ttl: 300, previous: null });
    await p.write(A('www.example.com'), { values: ['192.0.2.11'], ttl: 300, previous: null });
    const sub = fake.domain('sub.example.com')!.id;
    const top = fake.domain('example.com')!.id;
    assert.deepEqual(seen(fake, start), ['GET /domains', `GET /domains/${sub}/records`, `POST /domains/${sub}/records`, `GET /domains/${top}/records`, `POST /domains/${top}/records`]);
    assert.equal(fake.records('app.sub.example.com', 'A')[0]!.name, 'app');
  });

  it('with domainId: one GET of that domain, no listing, and a name outside it is refused with no write', async () => {
    const id = fake.domain('example.com')!.id;
    const dp = providerFor(fake.url, { domainId: id });
    const start = fake.mock.requests.length;
    await dp.write(A('byid.example.com'), { values: ['192.0.2.1'], ttl: 300, previous: null });
    assert.deepEqual(seen(fake, start).slice(0, 1), [`GET /domains/${id}`]);
    const before = fake.mutations();
    await assert.rejects(dp.write(A('app.other.com'), { values: ['192.0.2.1'], ttl: 300, previous: null }), /not inside Linode domain example\.com \(domainId/);
    assert.equal(fake.mutations(), before);
  });

  it('no domain holding the name: fatal, saying how many domains the token sees', async () => {
    await assert.rejects(p.read!(A('app.nowhere.test')), (e: unknown) => e instanceof ProviderError && e.kind === 'fatal' && /sees 3 domains\); add the domain in the DNS Manager, or set domainId/.test((e as Error).message));
  });

  it('reads every page (page_size 25) and checks the count against results', async () => {
    for (let i = 0; i < 30; i++) fake.addRecord('other.com', { type: 'TXT', name: `t${i}`, target: `v${i}` });
    fake.addRecord('other.com', { type: 'A', name: 'paged', target: '192.0.2.1', ttl_sec: 300 });
    fake.addRecord('other.com', { type: 'A', name: 'paged', target: '192.0.2.2', ttl_sec: 300 });
    const small = providerFor(fake.url, {}, 25);
    const start = fake.mock.requests.length;
    assert.deepEqual((await small.read!(A('paged.other.com')))?.values.sort(), ['192.0.2.1', '192.0.2.2']);
    const pages = fake.mock.requests.slice(start).filter((r) => r.path.endsWith('/records')).map((r) => [r.query.page, r.query.page_size]);
    assert.deepEqual(pages, [['1', '25'], ['2', '25']]);
  });

  it('TTLs are rounded up to Linode\'s set (60 → 120), which storedTtl says, so the next write is in sync', async () => {
    assert.deepEqual([30, 60, 121, 900, 3000000].map((t) => linodeProvider.storedTtl!(t, {} as never)), [30, 120, 300, 3600, 2419200]);
    await p.write(A('ttl.example.com'), { values: ['192.0.2.1'], ttl: 120, previous: null });
    assert.equal(fake.records('ttl.example.com', 'A')[0]!.ttl_sec, 120);
    const before = fake.mutations();
    await p.write(A('ttl.example.com'), { values: ['192.0.2.1'], ttl: 60, previous: await p.read!(A('ttl.example.com')) });
    assert.equal(fake.mutations(), before, 'asking for 60 means 120: in sync');
  });

  it('a record on the domain default (ttl_sec 0) reads as the domain\'s TTL, and 86400 when that is 0 too', async () => {
    const d = fake.addDomain('deflt.test', 3600);
    fake.addRecord('deflt.test', { type: 'A', name: 'a', target: '192.0.2.1', ttl_sec: 0 });
    fake.addRecord('other.com', { type: 'A', name: 'zero', target: '192.0.2.1', ttl_sec: 0 });
    const fresh = providerFor(fake.url);
    assert.deepEqual(await fresh.read!(A('a.deflt.test')), { values: ['192.0.2.1'], ttl: 3600 });
    assert.deepEqual(await fresh.read!(A('zero.other.com')), { values: ['192.0.2.1'], ttl: 86400 });
    assert.ok(d.id > 0);
  });

  it('a failover is one PUT of the same record; a TTL change alone too; in sync sends nothing', async () => {
    const seeded = fake.addRecord('example.com', { type: 'A', name: 'fo', target: '192.0.2.1', ttl_sec: 300 });
    const previous = await p.read!(A('fo.example.com'));
    const before = fake.mutations();
    await p.write(A('fo.example.com'), { values: ['192.0.2.2'], ttl: 300, previous });
    assert.deepEqual(seen(fake, fake.mock.requests.length - 1), [`PUT /domains/${fake.domain('example.com')!.id}/records/${seeded.id}`]);
    await p.write(A('fo.example.com'), { values: ['192.0.2.2'], ttl: 3600, previous: { values: ['192.0.2.2'], ttl: 300 } });
    await p.write(A('fo.example.com'), { values: ['192.0.2.2'], ttl: 3600, previous: { values: ['192.0.2.2'], ttl: 3600 } });
    assert.equal(fake.mutations() - before, 2);
    assert.deepEqual(fake.records('fo.example.com', 'A').map((r) => [r.id, r.target, r.ttl_sec]), [[seeded.id, '192.0.2.2', 3600]]);
  });

  it('a CNAME at the name is read as such and never written over; a changed rrset is a conflict', async () => {
    fake.addRecord('example.com', { type: 'CNAME', name: 'alias', target: 'target.example.net' });
    assert.deepEqual(await p.read!(A('alias.example.com')), { values: [], cname: 'target.example.net' });
    fake.addRecord('example.com', { type: 'A', name: 'raced', target: '192.0.2.7', ttl_sec: 300 });
    const before = fake.mutations();
    await assert.rejects(p.write(A('alias.example.com'), { values: ['192.0.2.1'], ttl: 300, previous: null }), /is a CNAME/);
    await assert.rejects(p.write(A('raced.example.com'), { values: ['192.0.2.8'], ttl: 300, previous: { values: ['192.0.2.1'] } }), (e: unknown) => e instanceof ProviderError && e.kind === 'conflict');
    assert.equal(fake.mutations(), before);
  });

  it('the rate limit: 429 is rate-limited with Retry-After\'s wait', async () => {
    fake.setRateLimit({ requests: 0, windowS: 40 });
    await assert.rejects(providerFor(fake.url).read!(A('x.example.com')), (e: unknown) => {
      return e instanceof ProviderError && e.kind === 'rate-limited' && e.retryAfterMs! >= 39_000 && e.retryAfterMs! <= 40_000 && /HTTP 429: Too many requests/.test((e as Error).message);
    });
  });

  it('a rejected token: auth after one request, one line that names the fix and never the token', async () => {
    const start = fake.mock.requests.length;
    await assert.rejects(providerFor(fake.url, { token: BAD_TOKEN }).read!(A('x.example.com')), (e: unknown) => {
      const m = (e as Error).message;
      return e instanceof ProviderError && e.kind === 'auth' && !m.includes('\n') && !m.includes(BAD_TOKEN) && /Linode GET \/domains: HTTP 401: Invalid Token \(token rejected/.test(m);
    });
    assert.equal(fake.mock.requests.length - start, 1);
  });
});

describe('linode against answers that break the spec', () => {
  const domain = { id: 7, type: 'master', domain: 'example.com', status: 'active', soa_email: 'admin@example.com', ttl_sec: 300 };

  it('odd records elsewhere never break the read; an unusable record of its own is fatal; a short listing is transient', async () => {
    let results = 4;
    const mock = await startServerMock({
      basePath: '/v4',
      spec: loadApiSpec('linode/domains.openapi.json'),
      routes: {
        'GET /domains/{domainId}': () => ({ status: 200, body: domain }),
        'GET /domains/{domainId}/records': () => ({
          status: 200,
          body: {
            data: [
              { id: 1, type: 'TXT', name: 'app' },
              { type: 'MX', target: 'mx.example.com', priority: 10 },
              { id: 3, type: 'A', name: 'app', target: '192.0.2.1', ttl_sec: 0 },
              { id: 4, type: 'AAAA', name: 'app', target: '192.0.2.9', ttl_sec: 300 },
            ],
            page: 1,
            pages: 1,
            results,
          },
        }),
      },
    });
    try {
      const p = providerFor(mock.url, { domainId: 7 });
      assert.deepEqual(await p.read!(A('app.example.com')), { values: ['192.0.2.1'], ttl: 300 });
      await assert.rejects(p.read!({ name: 'app.example.com', type: 'AAAA' }), (e: unknown) => e instanceof ProviderError && e.kind === 'fatal' && /"192\.0\.2\.9", which is not an IPv6 address/.test((e as Error).message));
      results = 5;
      await assert.rejects(p.read!(A('app.example.com')), (e: unknown) => e instanceof ProviderError && e.kind === 'transient' && /listed 4 of the 5 results announced/.test((e as Error).message));
      assert.deepEqual(mock.violations, []);
      validated += mock.requests.length;
    } finally {
      await mock.close();
    }
  });

  it('the apex is created with the domain as its name (the spec allows no empty name); a body that is not JSON is transient', async () => {
    let garbage = false;
    const posted: unknown[] = [];
    const mock = await startServerMock({
      basePath: '/v4',
      spec: loadApiSpec('linode/domains.openapi.json'),
      routes: {
        'GET /domains/{domainId}': () => ({ status: 200, body: domain }),
        'GET /domains/{domainId}/records': () => (garbage ? { status: 200, body: '{"data": [' } : { status: 200, body: { data: [], page: 1, pages: 1, results: 0 } }),
        'POST /domains/{domainId}/records': (req) => {
          posted.push(req.body);
          return { status: 200, body: { id: 9, type: 'A', name: 'example.com', target: '192.0.2.1', ttl_sec: 300 } };
        },
      },
    });
    try {
      const p = providerFor(mock.url, { domainId: 7 });
      await p.write(A('example.com'), { values: ['192.0.2.1'], ttl: 300, previous: null });
      assert.deepEqual(posted, [{ type: 'A', name: 'example.com', target: '192.0.2.1', ttl_sec: 300 }]);
      garbage = true;
      await assert.rejects(p.read!(A('example.com')), (e: unknown) => e instanceof ProviderError && e.kind === 'transient' && /not JSON/.test((e as Error).message));
      assert.deepEqual(mock.violations, []);
      validated += mock.requests.length;
    } finally {
      await mock.close();
    }
  });
});
