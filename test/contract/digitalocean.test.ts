import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import digitaloceanProvider, { createDigitaloceanProvider, digitaloceanConfigSchema } from '../../providers/digitalocean/index.js';
import { ProviderError } from '../../providers/kit/errors.js';
import type { Provider, RecordRef } from '../../providers/kit/types.js';
import { startServerMock } from '../helpers/servermock.js';
import { loadApiSpec } from '../fakes/api-spec.js';
import { startDigitalOceanFake, type DigitalOceanFake } from '../fakes/digitalocean.js';
import { providerContract } from './provider-contract.js';

const TOKEN = `dop_v1_${randomBytes(32).toString('hex')}`;
const BAD_TOKEN = `dop_v1_${randomBytes(32).toString('hex')}`;
const ctx = { userAgent: 'dnsfail/test (+contract)', baseDir: '/' };
const SPEC = 'test/fixtures/api-specs/digitalocean/domain-records.openapi.json';
let validated = 0;

function providerFor(url: string, extra: Record<string, unknown> = {}, pageSize?: number): Provider {
  const config = digitaloceanConfigSchema.parse({ type: 'digitalocean', token: TOKEN, endpoint: url, ...extra });
  return createDigitaloceanProvider(config, ctx, { timeoutMs: 500, ...(pageSize ? { pageSize } : {}) });
}

/** Every request the fake saw was checked against the spec: none may have broken it. */
function settle(fake: DigitalOceanFake): void {
  assert.deepEqual(fake.mock.violations, [], `requests or answers that break ${SPEC}`);
  validated += fake.mock.requests.length;
}

after(() => console.log(`digitalocean: ${validated} requests validated against ${SPEC}`));

let contractFake: DigitalOceanFake;
providerContract({
  kind: 'digitalocean',
  capabilities: digitaloceanProvider.capabilities,
  factory: digitaloceanProvider,
  zone: 'example.test',
  start: async () => {
    contractFake = await startDigitalOceanFake({ token: TOKEN, domains: ['example.test'] });
  },
  stop: async () => {
    settle(contractFake);
    await contractFake.close();
  },
  provider: () => providerFor(contractFake.url),
  badAuthProvider: () => providerFor(contractFake.url, { token: BAD_TOKEN }),
  settings: () => ({ type: 'digitalocean', token: TOKEN, endpoint: contractFake.url }),
  lookup: async (name, type) => contractFake.lookup(name, type),
  mutations: () => contractFake.mutations(),
  requests: () => contractFake.mock.requests.length,
  injectFault: (f) => contractFake.injectFault(f),
});

const A = (name: string): RecordRef => ({ name, type: 'A' });
const seen = (fake: DigitalOceanFake, from: number) => fake.mock.requests.slice(from).map((r) => `${r.method} ${r.path}`);

describe('digitalocean specifics (fake API checked against DigitalOcean\'s OpenAPI)', () => {
  let fake: DigitalOceanFake;
  let p: Provider;
  before(async () => {
    fake = await startDigitalOceanFake({ token: TOKEN, domains: ['example.com', 'other.com'] });
  });
  after(async () => {
    settle(fake);
    await fake.close();
  });
  beforeEach(() => {
    p = providerFor(fake.url);
    fake.setRateLimit({ requests: 250 });
  });

  it('finds the domain by trying the name and each parent (a 404 is "not a domain"), once per run', async () => {
    const start = fake.mock.requests.length;
    await p.write(A('a.b.example.com'), { values: ['192.0.2.10'], ttl: 60, previous: null });
    assert.deepEqual(seen(fake, start), [
      'GET /v2/domains/a.b.example.com/records',
      'GET /v2/domains/b.example.com/records',
      'GET /v2/domains/example.com/records',
      'POST /v2/domains/example.com/records',
    ]);
    assert.equal(fake.records('a.b.example.com', 'A')[0]!.name, 'a.b', 'stored relative to the domain');
    const next = fake.mock.requests.length;
    await p.write(A('c.b.example.com'), { values: ['192.0.2.11'], ttl: 60, previous: null });
    assert.deepEqual(seen(fake, next).slice(0, 2), ['GET /v2/domains/c.b.example.com/records', 'GET /v2/domains/example.com/records'], 'b.example.com is not asked again');
  });

  it('with domain set: asks only that domain, and refuses a name outside it before any request', async () => {
    const dp = providerFor(fake.url, { domain: 'example.com' });
    await dp.write(A('example.com'), { values: ['192.0.2.1'], ttl: 300, previous: null });
    assert.equal(fake.records('example.com', 'A')[0]!.name, '@', 'the apex is "@"');
    assert.deepEqual(await dp.read!(A('example.com')), { values: ['192.0.2.1'], ttl: 300 });
    const start = fake.mock.requests.length;
    await assert.rejects(dp.write(A('app.other.com'), { values: ['192.0.2.1'], ttl: 60, previous: null }), /not inside DigitalOcean domain example\.com/);
    assert.equal(fake.mock.requests.length, start);
  });

  it('no such domain: a fatal error naming the names tried, and no write', async () => {
    const before = fake.mutations();
    await assert.rejects(p.write(A('app.nowhere.test'), { values: ['192.0.2.1'], ttl: 60, previous: null }), (e: unknown) => {
      return e instanceof ProviderError && e.kind === 'fatal' && /tried app\.nowhere\.test, nowhere\.test\); add the domain, or set domain/.test(e.message);
    });
    assert.equal(fake.mutations(), before);
  });

  it('reads every page by number with the name filter (links.pages drop it), then shrinks in place', async () => {
    const n = 'paged.example.com';
    const values = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5'];
    for (const v of values) fake.addRecord('example.com', { type: 'A', name: 'paged', data: v, ttl: 60 });
    fake.addRecord('example.com', { type: 'AAAA', name: 'paged', data: '2001:db8::1', ttl: 60 });
    fake.addRecord('example.com', { type: 'A', name: 'elsewhere', data: '192.0.2.99', ttl: 60 });
    const small = providerFor(fake.url, {}, 2);
    const start = fake.mock.requests.length;
    const current = await small.read!(A(n));
    assert.deepEqual(current?.values.sort(), values);
    const gets = fake.mock.requests.slice(start).filter((r) => r.path === '/v2/domains/example.com/records');
    assert.deepEqual(gets.map((r) => [r.query.page, r.query.name]), [['1', n], ['2', n], ['3', n]], 'six records at the name, two a page');
    const before = fake.mutations();
    await small.write(A(n), { values: ['192.0.2.5'], ttl: 60, previous: current });
    assert.deepEqual(fake.lookup(n, 'A'), ['192.0.2.5']);
    assert.deepEqual(fake.lookup(n, 'AAAA'), ['2001:db8::1'], 'the other type is left alone');
    assert.equal(fake.mutations() - before, 4, 'the wanted value was kept; four others deleted');
  });

  it('a failover is one PUT of the same record (its id kept), and a TTL change alone is one PUT too', async () => {
    const seeded = fake.addRecord('example.com', { type: 'A', name: 'fo', data: '192.0.2.1', ttl: 300 });
    const previous = await p.read!(A('fo.example.com'));
    const before = fake.mutations();
    await p.write(A('fo.example.com'), { values: ['192.0.2.2'], ttl: 300, previous });
    assert.deepEqual(seen(fake, fake.mock.requests.length - 1), [`PUT /v2/domains/example.com/records/${seeded.id}`]);
    await p.write(A('fo.example.com'), { values: ['192.0.2.2'], ttl: 60, previous: { values: ['192.0.2.2'], ttl: 300 } });
    assert.equal(fake.mutations() - before, 2);
    assert.deepEqual(fake.records('fo.example.com', 'A').map((r) => [r.id, r.data, r.ttl]), [[seeded.id, '192.0.2.2', 60]]);
    await p.write(A('fo.example.com'), { values: ['192.0.2.2'], ttl: 60, previous: { values: ['192.0.2.2'], ttl: 60 } });
    assert.equal(fake.mutations() - before, 2, 'in sync: nothing sent');
  });

  it('a TTL under 30 s is stored as 30 (storedTtl says so), so the next run is in sync', async () => {
    assert.equal(digitaloceanProvider.storedTtl!(10, {} as never), 30);
    await p.write(A('short.example.com'), { values: ['192.0.2.1'], ttl: 10, previous: null });
    assert.deepEqual(await p.read!(A('short.example.com')), { values: ['192.0.2.1'], ttl: 30 });
  });

  it('a CNAME at the name is read as such and never written over', async () => {
    fake.addRecord('example.com', { type: 'CNAME', name: 'alias', data: 'target.example.net.' });
    assert.deepEqual(await p.read!(A('alias.example.com')), { values: [], cname: 'target.example.net' });
    const before = fake.mutations();
    await assert.rejects(p.write(A('alias.example.com'), { values: ['192.0.2.1'], ttl: 60, previous: null }), (e: unknown) => e instanceof ProviderError && e.kind === 'fatal' && /is a CNAME/.test(e.message));
    assert.equal(fake.mutations(), before);
  });

  it('changed since it was read: a conflict, and nothing is written', async () => {
    fake.addRecord('example.com', { type: 'A', name: 'raced', data: '192.0.2.7', ttl: 60 });
    const before = fake.mutations();
    await assert.rejects(p.write(A('raced.example.com'), { values: ['192.0.2.8'], ttl: 60, previous: { values: ['192.0.2.1'], ttl: 60 } }), (e: unknown) => e instanceof ProviderError && e.kind === 'conflict');
    assert.equal(fake.mutations(), before);
  });

  it('the rate limit: 429 is rate-limited with the wait from ratelimit-reset', async () => {
    fake.setRateLimit({ requests: 0, windowS: 40 });
    await assert.rejects(p.read!(A('x.example.com')), (e: unknown) => {
      return e instanceof ProviderError && e.kind === 'rate-limited' && e.retryAfterMs! > 30_000 && e.retryAfterMs! <= 41_000 && /HTTP 429: API Rate limit exceeded\. \(too_many_requests\)/.test(e.message);
    });
  });

  it('a rejected token: auth, one line that names the fix and never the token', async () => {
    const bad = providerFor(fake.url, { token: BAD_TOKEN });
    await assert.rejects(bad.read!(A('x.example.com')), (e: unknown) => {
      const m = (e as Error).message;
      return e instanceof ProviderError && e.kind === 'auth' && !m.includes('\n') && !m.includes(BAD_TOKEN) && /HTTP 401: Unable to authenticate you \(unauthorized\).*personal access token/.test(m);
    });
  });
});

describe('digitalocean against answers that break the spec', () => {
  it('odd records of other names and types never break the read; an unusable record of its own does, as fatal', async () => {
    const mock = await startServerMock({
      spec: loadApiSpec('digitalocean/domain-records.openapi.json'),
      routes: {
        'GET /v2/domains/{domain_name}/records': (req) => ({
          status: 200,
          body: {
            domain_records: [
              { id: 1, type: 'TXT', name: 'app' },
              { type: 'MX', name: '@', data: 'mx.example.com', priority: 10 },
              { id: 3, type: 'A', name: 'app', data: '192.0.2.1', ttl: 300 },
              ...(req.query.name === 'bad.example.com' ? [{ id: 4, type: 'A', name: 'bad', data: 'not-an-address', ttl: 300 }] : []),
            ],
            links: {},
            meta: { total: req.query.name === 'bad.example.com' ? 4 : 3 },
          },
        }),
      },
    });
    try {
      const p = providerFor(mock.url, { domain: 'example.com' });
      assert.deepEqual(await p.read!(A('app.example.com')), { values: ['192.0.2.1'], ttl: 300 });
      await assert.rejects(p.read!(A('bad.example.com')), (e: unknown) => e instanceof ProviderError && e.kind === 'fatal' && /"not-an-address", which is not an IPv4 address/.test((e as Error).message));
      assert.deepEqual(mock.violations, []);
      validated += mock.requests.length;
    } finally {
      await mock.close();
    }
  });

  it('a listing shorter than meta.total, or a body that is not JSON, is transient: never taken for "missing"', async () => {
    let garbage = false;
    const mock = await startServerMock({
      spec: loadApiSpec('digitalocean/domain-records.openapi.json'),
      routes: {
        'GET /v2/domains/{domain_name}/records': (req) =>
          garbage ? { status: 200, body: '{"domain_records": [' } : { status: 200, body: { domain_records: req.query.page === '1' ? [{ id: 3, type: 'A', name: 'app', data: '192.0.2.1', ttl: 300 }] : [], links: {}, meta: { total: 2 } } },
      },
    });
    try {
      const p = providerFor(mock.url, { domain: 'example.com' });
      await assert.rejects(p.read!(A('app.example.com')), (e: unknown) => e instanceof ProviderError && e.kind === 'transient' && /listed 1 of the 2 records meta\.total announced/.test((e as Error).message));
      garbage = true;
      await assert.rejects(p.read!(A('app.example.com')), (e: unknown) => e instanceof ProviderError && e.kind === 'transient' && /not JSON/.test((e as Error).message));
      assert.deepEqual(mock.violations, []);
      validated += mock.requests.length;
    } finally {
      await mock.close();
    }
  });
});
