import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import gandiProvider, { createGandiProvider, gandiConfigSchema } from '../../providers/gandi/index.js';
import { withRetry } from '../../providers/kit/retry.js';
import type { Provider } from '../../providers/kit/types.js';
import { GANDI_SPEC_SOURCE, startGandiFake, type GandiFake } from '../fakes/gandi.js';
import { specificsTools } from '../helpers/specifics.js';
import { providerContract } from './provider-contract.js';

// The gandi provider against a fake LiveDNS v5 API that validates every request and answer against a
// hand transcription of Gandi's documentation (test/fixtures/api-specs/gandi).

const ZONE = 'example.test';
const TOKEN = `pat_good${randomBytes(12).toString('hex')}`;
const ctx = { userAgent: 'dnsfail/test (+contract)', baseDir: '/' };
const FAST = { minDelayMs: 20, maxDelayMs: 50 };

const settingsFor = (fake: GandiFake, extra: Record<string, unknown> = {}) => ({ type: 'gandi', token: TOKEN, endpoint: fake.url, ...extra });
const providerFor = (fake: GandiFake, extra: Record<string, unknown> = {}): Provider => createGandiProvider(gandiConfigSchema.parse(settingsFor(fake, extra)), ctx, { timeoutMs: 500 });
const report = (what: string, fake: GandiFake) => {
  console.log(`gandi ${what}: ${fake.mock.validated} requests validated against ${GANDI_SPEC_SOURCE}`);
  assert.deepEqual(fake.mock.violations, []);
};

{
  let fake: GandiFake;
  providerContract({
    kind: 'gandi',
    capabilities: gandiProvider.capabilities,
    factory: gandiProvider,
    zone: ZONE,
    start: async () => {
      fake = await startGandiFake({ token: TOKEN, domains: [ZONE] });
    },
    stop: async () => {
      report('contract', fake);
      await fake.close();
    },
    provider: () => providerFor(fake),
    badAuthProvider: () => providerFor(fake, { token: `pat_bad${randomBytes(12).toString('hex')}` }),
    settings: () => settingsFor(fake),
    lookup: async (name, type) => fake.lookup(name, type),
    mutations: () => fake.mutations(),
    requests: () => fake.mock.requests.length,
    injectFault: (f) => fake.injectFault(f),
  });
}

describe('gandi provider against the fake LiveDNS API', () => {
  let fake: GandiFake;
  const { name, ref, rejection } = specificsTools('sub.example.com');
  before(async () => {
    fake = await startGandiFake({ token: TOKEN, domains: ['example.com', 'sub.example.com'] });
  });
  after(async () => {
    report('provider tests', fake);
    await fake.close();
  });

  it('sends "Authorization: Bearer", finds the most specific domain, and PUTs the relative name with values and TTL', async () => {
    const p = providerFor(fake);
    const n = name('app');
    const from = fake.mock.requests.length;
    await p.write(ref(n), { values: ['192.0.2.1', '192.0.2.2'], ttl: 600, previous: null });
    const sent = fake.mock.requests.slice(from);
    const label = n.slice(0, -'.sub.example.com'.length);
    assert.deepEqual(sent.map((r) => `${r.method} ${r.path}`), [
      `GET /domains/${n}`,
      'GET /domains/sub.example.com',
      `GET /domains/sub.example.com/records/${label}`,
      `PUT /domains/sub.example.com/records/${label}/A`,
    ]);
    assert.deepEqual(sent[3]!.body, { rrset_values: ['192.0.2.1', '192.0.2.2'], rrset_ttl: 600 });
    for (const r of sent) assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(await p.read!(ref(n)), { values: ['192.0.2.1', '192.0.2.2'], ttl: 600 });
  });

  it('the apex is "@"; an empty value list deletes only the A RRset', async () => {
    const p = providerFor(fake, { zone: 'example.com' });
    fake.setRrset('example.com', 'TXT', ['"keep me"']);
    await p.write(ref('example.com'), { values: ['192.0.2.9'], ttl: 300, previous: null });
    assert.ok(fake.mock.requests.some((r) => r.method === 'PUT' && r.path === '/domains/example.com/records/@/A'));
    await p.write(ref('example.com'), { values: [], ttl: 300, previous: { values: ['192.0.2.9'] } });
    assert.equal(fake.lookup('example.com', 'A'), null);
    assert.deepEqual(fake.lookup('example.com', 'TXT'), ['"keep me"']);
  });

  it('a TTL below 300 is stored as 300 and then left alone: no write when in sync', async () => {
    assert.equal(gandiProvider.storedTtl!(60, {} as never), 300);
    assert.equal(gandiProvider.storedTtl!(9_999_999, {} as never), 2_592_000);
    const p = providerFor(fake);
    const n = name('ttl');
    await p.write(ref(n), { values: ['192.0.2.3'], ttl: 60, previous: null });
    assert.equal(fake.rrset(n, 'A')!.ttl, 300);
    const before = fake.mutations();
    await p.write(ref(n), { values: ['192.0.2.3'], ttl: 60, previous: { values: ['192.0.2.3'] } });
    assert.equal(fake.mutations(), before);
  });

  it('reads a name with only other types (or odd entries) as missing, and a CNAME as such, never written over', async () => {
    const p = providerFor(fake);
    const txt = name('txt');
    fake.setRrset(txt, 'TXT', ['"x"']);
    assert.equal(await p.read!(ref(txt)), null);
    const alias = name('alias');
    fake.setRrset(alias, 'CNAME', ['Target.Example.NET.']);
    assert.deepEqual(await p.read!(ref(alias)), { values: [], cname: 'target.example.net' });
    const before = fake.mutations();
    const e = await rejection(p.write(ref(alias), { values: ['192.0.2.1'], ttl: 300, previous: null }));
    assert.equal(e.kind, 'fatal');
    assert.match(e.message, /is a CNAME in Gandi domain sub\.example\.com/);
    assert.equal(fake.mutations(), before);
  });

  it('a record changed since it was read is a conflict, and nothing is sent', async () => {
    const p = providerFor(fake);
    const n = name('cas');
    await p.write(ref(n), { values: ['192.0.2.1'], ttl: 300, previous: null });
    const previous = await p.read!(ref(n));
    fake.setRrset(n, 'A', ['192.0.2.77'], 300);
    const before = fake.mutations();
    assert.equal((await rejection(p.write(ref(n), { values: ['192.0.2.2'], ttl: 300, previous }))).kind, 'conflict');
    assert.equal(fake.mutations(), before);
  });

  it('no domain holds the name, or the configured zone is unknown: fatal, says what to do, not retried', async () => {
    const from = fake.mock.requests.length;
    const e = await rejection(withRetry(() => providerFor(fake).read!(ref('app.nowhere.test')), FAST));
    assert.equal(e.kind, 'fatal');
    assert.match(e.message, /no Gandi LiveDNS domain holding app\.nowhere\.test.*set zone/);
    assert.equal(fake.mock.requests.length - from, 2, 'app.nowhere.test and nowhere.test: one GET each');
    const z = await rejection(providerFor(fake, { zone: 'other.test' }).read!(ref('a.other.test')));
    assert.match(z.message, /has no domain other\.test visible to this token; check zone/);
  });

  it('401 is auth after one request, naming the fix; 429 carries Retry-After; a 5xx HTML page is transient; none carries the token', async () => {
    const bad = `pat_wrong${randomBytes(8).toString('hex')}`;
    const from = fake.mock.requests.length;
    const denied = await rejection(withRetry(() => providerFor(fake, { token: bad }).read!(ref(name('x'))), FAST));
    assert.equal(denied.kind, 'auth');
    assert.equal(fake.mock.requests.length - from, 1);
    assert.match(denied.message, /Gandi HTTP 401: Unauthorized: The server could not verify.*sent as "Authorization: Bearer <token>"/);
    const p = providerFor(fake);
    fake.injectFault({ kind: 'rate-limit', retryAfterS: 7 });
    const limited = await rejection(p.read!(ref(name('x'))));
    assert.ok(limited.kind === 'rate-limited' && limited.retryAfterMs === 7000, String(limited));
    fake.injectFault({ kind: 'http-5xx', status: 502 });
    assert.equal((await rejection(p.read!(ref(name('x'))))).kind, 'transient');
    for (const e of [denied, limited]) assert.ok(!e.message.includes(TOKEN) && !e.message.includes(bad));
  });
});
