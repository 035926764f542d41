import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import desecProvider, { createDesecProvider, desecConfigSchema } from '../../providers/desec/index.js';
import { ProviderError } from '../../providers/kit/errors.js';
import { withRetry } from '../../providers/kit/retry.js';
import type { Provider, RecordRef } from '../../providers/kit/types.js';
import { startDesecFake, type DesecFake } from '../fakes/desec.js';
import { batchContract } from './batch-contract.js';
import { providerContract } from './provider-contract.js';

const TOKEN = `desecgood${randomBytes(12).toString('hex')}`;
const BAD_TOKEN = `desecbad${randomBytes(12).toString('hex')}`;
const ctx = { userAgent: 'dnsfail/test (+contract)', baseDir: '/' };
const FAST = { minDelayMs: 20, maxDelayMs: 50 };

const providerFor = (fake: DesecFake, extra: Record<string, unknown> = {}): Provider =>
  createDesecProvider(desecConfigSchema.parse({ type: 'desec', token: TOKEN, endpoint: fake.url, minimumTtl: 60, ...extra }), ctx, { timeoutMs: 500 });

/** Every fake of this file: its requests were all checked against the description, and none broke it. */
const fakes: DesecFake[] = [];
const started = async (...a: Parameters<typeof startDesecFake>) => {
  const f = await startDesecFake(...a);
  fakes.push(f);
  return f;
};
after(() => {
  const validated = fakes.reduce((n, f) => n + f.mock.requests.length, 0);
  console.log(`desec: ${validated} requests validated against test/fixtures/api-specs/desec/desec-rrsets.json`);
  assert.deepEqual(fakes.flatMap((f) => f.mock.violations), []);
});

let contractFake: DesecFake;
providerContract({
  kind: 'desec',
  capabilities: desecProvider.capabilities,
  zone: 'example.test',
  start: async () => {
    contractFake = await started({ token: TOKEN, domains: ['example.test'], minimumTtl: 60 });
  },
  stop: async () => {
    assert.deepEqual(contractFake.mock.violations, []);
    await contractFake.close();
  },
  provider: () => providerFor(contractFake),
  badAuthProvider: () => providerFor(contractFake, { token: BAD_TOKEN }),
  settings: () => ({ type: 'desec', token: TOKEN, endpoint: contractFake.url, minimumTtl: 60 }),
  lookup: async (name, type) => contractFake.lookup(name, type),
  mutations: () => contractFake.mutations(),
  requests: () => contractFake.mock.requests.length,
  injectFault: (f) => contractFake.injectFault(f),
});

let batchFake: DesecFake;
let batchProvider: Provider;
batchContract({
  kind: 'desec',
  zones: ['one.test', 'two.test'],
  start: async () => {
    batchFake = await started({ token: TOKEN, domains: ['one.test', 'two.test'], minimumTtl: 60 });
    batchProvider = providerFor(batchFake);
  },
  stop: () => batchFake.close(),
  providerFor: () => batchProvider,
  lookup: async (name, type) => batchFake.lookup(name, type),
  requests: () => batchFake.mock.requests.length,
  mutations: () => batchFake.mutations(),
  // One listing of the account's domains, then one listing (a page) per domain, and one PATCH per domain.
  maxReadRequests: (_records, zones) => 1 + zones,
  maxWriteRequests: (_records, zones) => 1 + 2 * zones,
  spoil: async (name) => {
    batchFake.setRrset(name, 'A', []);
    batchFake.setRrset(name, 'CNAME', ['target.example.net.']);
    return 'fatal';
  },
  skipsUnchanged: true,
});

const A = (name: string): RecordRef => ({ name, type: 'A' });

describe('desec specifics (fake API)', () => {
  let fake: DesecFake;
  before(async () => {
    fake = await started({ token: TOKEN, domains: ['example.com', 'sub.example.com'], minimumTtl: 60 });
  });
  after(() => fake.close());

  it('sends "Authorization: Token", finds the most specific domain with owns_qname, and PATCHes subname and TTL', async () => {
    const p = providerFor(fake);
    const from = fake.mock.requests.length;
    await p.write(A('app.deep.sub.example.com'), { values: ['192.0.2.1', '192.0.2.2'], ttl: 120, previous: null });
    const sent = fake.mock.requests.slice(from);
    assert.deepEqual(sent.map((r) => `${r.method} ${r.path}`), ['GET /domains/', 'GET /domains/sub.example.com/rrsets/', 'PATCH /domains/sub.example.com/rrsets/']);
    assert.equal(sent[0]!.query.owns_qname, 'app.deep.sub.example.com');
    assert.deepEqual(sent[1]!.query, { subname: 'app.deep', cursor: '' });
    assert.deepEqual(sent[2]!.body, [{ subname: 'app.deep', type: 'A', ttl: 120, records: ['192.0.2.1', '192.0.2.2'] }]);
    for (const r of sent) assert.equal(r.headers.authorization, `Token ${TOKEN}`);
    assert.deepEqual(await p.read!(A('app.deep.sub.example.com')), { values: ['192.0.2.1', '192.0.2.2'], ttl: 120 });
  });

  it('the apex is subname "", and an empty value list deletes only the A RRset', async () => {
    const p = providerFor(fake, { domain: 'example.com' });
    fake.setRrset('example.com', 'TXT', ['"keep me"']);
    await p.write(A('example.com'), { values: ['192.0.2.9'], ttl: 60, previous: null });
    assert.deepEqual(fake.lookup('example.com', 'A'), ['192.0.2.9']);
    await p.write(A('example.com'), { values: [], ttl: 60, previous: { values: ['192.0.2.9'] } });
    assert.equal(fake.lookup('example.com', 'A'), null);
    assert.deepEqual(fake.lookup('example.com', 'TXT'), ['"keep me"']);
  });

  it('a TTL below minimumTtl is sent as it; a domain whose minimum_ttl is higher still is refused before any write, naming the fix', async () => {
    const p = providerFor(fake, { minimumTtl: 300 });
    await p.write(A('ttl.example.com'), { values: ['192.0.2.3'], ttl: 30, previous: null });
    assert.equal(fake.rrset('ttl.example.com', 'A')!.ttl, 300);
    fake.addDomain('strict.test', 3600);
    const before = fake.mutations();
    await assert.rejects(p.write(A('app.strict.test'), { values: ['192.0.2.3'], ttl: 60, previous: null }), (e: unknown) => {
      return e instanceof ProviderError && e.kind === 'fatal' && /minimum_ttl 3600.*set the record's ttl \(or the provider's minimumTtl\) to 3600/.test(e.message);
    });
    assert.equal(fake.mutations(), before);
    assert.equal(desecProvider.storedTtl!(60, desecConfigSchema.parse({ type: 'desec', token: 'x' })), 3600, 'deSEC\'s usual minimum by default');
  });

  it('pages with cursor and Link rel="next" through a domain of many RRsets, and reads a TXT-only name as missing', async () => {
    const p = providerFor(fake);
    for (let i = 0; i < 7; i++) fake.setRrset(`p${i}.sub.example.com`, 'A', [`198.51.100.${i + 1}`], 60);
    fake.setRrset('txt.sub.example.com', 'TXT', ['"x"']);
    fake.setPageSize(3);
    try {
      const from = fake.mock.requests.length;
      const got = await p.readMany!([...Array.from({ length: 7 }, (_, i) => A(`p${i}.sub.example.com`)), A('txt.sub.example.com')]);
      assert.deepEqual(got.map((c) => (c instanceof Error ? c.message : c?.values[0] ?? null)), [...Array.from({ length: 7 }, (_, i) => `198.51.100.${i + 1}`), null]);
      const pages = fake.mock.requests.slice(from).filter((r) => r.path.endsWith('/rrsets/'));
      assert.ok(pages.length >= 3, `${pages.length} pages`);
      assert.equal(pages[0]!.query.cursor, '');
      assert.ok(pages.slice(1).every((r) => r.query.cursor), 'later pages send the cursor deSEC gave');
    } finally {
      fake.setPageSize(500);
    }
  });

  it('a CNAME at the name is read as such and never written over', async () => {
    const p = providerFor(fake);
    fake.setRrset('alias.example.com', 'CNAME', ['Target.Example.NET.']);
    assert.deepEqual(await p.read!(A('alias.example.com')), { values: [], cname: 'target.example.net' });
    const before = fake.mutations();
    await assert.rejects(p.write(A('alias.example.com'), { values: ['192.0.2.1'], ttl: 60, previous: null }), /is a CNAME in deSEC domain example\.com/);
    assert.equal(fake.mutations(), before);
  });

  it('a record changed since it was read is a conflict, and nothing is sent', async () => {
    const p = providerFor(fake);
    await p.write(A('cas.example.com'), { values: ['192.0.2.1'], ttl: 60, previous: null });
    const previous = await p.read!(A('cas.example.com'));
    fake.setRrset('cas.example.com', 'A', ['192.0.2.77'], 60);
    const before = fake.mutations();
    await assert.rejects(p.write(A('cas.example.com'), { values: ['192.0.2.2'], ttl: 60, previous }), (e: unknown) => e instanceof ProviderError && e.kind === 'conflict');
    assert.equal(fake.mutations(), before);
  });

  it('no domain holds the name: fatal, says what to do, not retried', async () => {
    const p = providerFor(fake);
    const from = fake.mock.requests.length;
    await assert.rejects(withRetry(() => p.read!(A('app.nowhere.test')), FAST), (e: unknown) => e instanceof ProviderError && e.kind === 'fatal' && /no deSEC domain of this account holds app\.nowhere\.test/.test(e.message));
    assert.equal(fake.mock.requests.length - from, 1);
  });

  it('a 429 carries Retry-After; a 5xx HTML page is transient; neither carries the token', async () => {
    const p = providerFor(fake);
    fake.injectFault({ kind: 'rate-limit', retryAfterS: 7 });
    const limited = await p.read!(A('x.example.com')).catch((e: unknown) => e);
    assert.ok(limited instanceof ProviderError && limited.kind === 'rate-limited' && limited.retryAfterMs === 7000, String(limited));
    assert.match(limited.message, /throttled/);
    fake.injectFault({ kind: 'http-5xx', status: 502 });
    const down = await p.read!(A('x.example.com')).catch((e: unknown) => e);
    assert.ok(down instanceof ProviderError && down.kind === 'transient', String(down));
    for (const e of [limited, down]) assert.ok(!(e as Error).message.includes(TOKEN));
  });
});
