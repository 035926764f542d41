import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import cloudflareProvider, { cloudflareConfigSchema, createCloudflareProvider } from '../../providers/cloudflare/index.js';
import { OWNER_COMMENT } from '../../providers/cloudflare/parse.js';
import { ProviderError } from '../../providers/kit/errors.js';
import { withRetry } from '../../providers/kit/retry.js';
import type { Provider, RecordRef } from '../../providers/kit/types.js';
import { runOnce } from '../../src/app/run-once.js';
import type { Config } from '../../src/config/types.js';
import { emptyState, type StateFile } from '../../src/state/store.js';
import type { ProbeTarget } from '../../src/health/types.js';
import { assertConforms, startCloudflareFake, type CloudflareFake } from '../fakes/cloudflare.js';
import { providerContract, recordFor } from './provider-contract.js';

const TOKEN = `cf-good-${randomBytes(16).toString('hex')}`;
const BAD_TOKEN = `cf-bad-${randomBytes(16).toString('hex')}`;
const ctx = { userAgent: 'dnsfail/test (+contract)', baseDir: '/' };
const FAST = { minDelayMs: 20, maxDelayMs: 50 };

function providerFor(fake: CloudflareFake, extra: Record<string, unknown> = {}): Provider {
  const config = cloudflareConfigSchema.parse({ type: 'cloudflare', token: TOKEN, endpoint: fake.url, ...extra });
  return createCloudflareProvider(config, ctx, { timeoutMs: 500 });
}

// The shared contract, against the fake.
let contractFake: CloudflareFake;
providerContract({
  kind: 'cloudflare',
  capabilities: cloudflareProvider.capabilities,
  zone: 'example.test',
  start: async () => {
    contractFake = await startCloudflareFake({ token: TOKEN, zones: ['example.test'] });
  },
  stop: () => contractFake.close(),
  provider: () => providerFor(contractFake),
  badAuthProvider: () => providerFor(contractFake, { token: BAD_TOKEN }),
  settings: () => ({ type: 'cloudflare', token: TOKEN, endpoint: contractFake.url }),
  lookup: async (name, type) => contractFake.lookup(name, type),
  mutations: () => contractFake.mutations,
  requests: () => contractFake.requests.length,
  injectFault: (f) => contractFake.injectFault(f),
});
it('the contract suite\'s requests and answers all conform to Cloudflare\'s API description', () => assertConforms(contractFake, 'contract'));

const A = (name: string): RecordRef => ({ name, type: 'A' });
const paths = (fake: CloudflareFake, from: number) => fake.requests.slice(from).map((r) => `${r.method} ${r.path}${r.query.name && r.path === '/zones' ? `?name=${r.query.name}` : ''}`);

describe('cloudflare specifics (fake API)', () => {
  let fake: CloudflareFake;
  let p: Provider;
  let clock = Date.parse('2030-01-01T00:00:00Z');
  before(async () => {
    fake = await startCloudflareFake({ token: TOKEN, zones: ['example.com', 'other.com'], now: () => clock });
  });
  after(async () => {
    await fake.close();
    assertConforms(fake, 'specifics');
  });
  beforeEach(() => {
    p = providerFor(fake);
    fake.setRateLimit({ requests: 1200 });
    fake.setMaxPerPage(5_000_000);
  });

  it('finds the zone by walking up from a.b.example.com, and asks once per candidate per run', async () => {
    const start = fake.requests.length;
    await p.write(A('a.b.example.com'), { values: ['192.0.2.10'], ttl: 60, previous: null });
    assert.deepEqual(paths(fake, start).slice(0, 3), ['GET /zones?name=a.b.example.com', 'GET /zones?name=b.example.com', 'GET /zones?name=example.com']);
    assert.equal(fake.records('a.b.example.com', 'A')[0]?.zone_id, fake.zone('example.com')!.id);
    const next = fake.requests.length;
    await p.write(A('c.b.example.com'), { values: ['192.0.2.11'], ttl: 60, previous: null });
    assert.deepEqual(paths(fake, next).filter((x) => x.startsWith('GET /zones?')), ['GET /zones?name=c.b.example.com'], 'b.example.com and example.com answered from the cache');
  });

  it('no visible zone: a fatal error that says what was looked for, and no write', async () => {
    const before = fake.mutations;
    await assert.rejects(p.write(A('app.nowhere.test'), { values: ['192.0.2.10'], ttl: 60, previous: null }), (e: unknown) => {
      return e instanceof ProviderError && e.kind === 'fatal' && /looked for app\.nowhere\.test, nowhere\.test\); set zoneId/.test(e.message);
    });
    assert.equal(fake.mutations, before);
  });

  it('with zoneId: reads the zone once, never searches, and refuses a name outside it', async () => {
    const zp = providerFor(fake, { zoneId: fake.zone('example.com')!.id });
    const start = fake.requests.length;
    await zp.write(A('zid.example.com'), { values: ['192.0.2.10'], ttl: 60, previous: null });
    assert.deepEqual(await zp.read!(A('zid.example.com')), { values: ['192.0.2.10'], ttl: 60 });
    assert.deepEqual(paths(fake, start).filter((x) => x.startsWith('GET /zones') && !x.includes('dns_records')), [`GET /zones/${fake.zone('example.com')!.id}`]);
    const before = fake.mutations;
    await assert.rejects(zp.write(A('app.other.com'), { values: ['192.0.2.10'], ttl: 60, previous: null }), /not inside Cloudflare zone example\.com/);
    assert.equal(fake.mutations, before, 'Cloudflare would have created app.other.com.example.com');
  });

  it('reads across 3 pages and shrinks the set in one batch', async () => {
    const n = 'paged.example.com';
    const values = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5'];
    for (const v of values) fake.addRecord('example.com', { type: 'A', name: n, content: v, ttl: 60, comment: OWNER_COMMENT });
    fake.addRecord('example.com', { type: 'AAAA', name: n, content: '2001:db8::1' });
    fake.setMaxPerPage(2);
    const start = fake.requests.length;
    const current = await p.read!(A(n));
    assert.deepEqual(current?.values.sort(), values);
    assert.deepEqual(
      fake.requests.slice(start).filter((r) => r.path.endsWith('/dns_records')).map((r) => r.query.page),
      ['1', '2', '3'],
    );
    const before = fake.mutations;
    await p.write(A(n), { values: ['192.0.2.5'], ttl: 60, previous: current });
    assert.deepEqual(fake.lookup(n, 'A'), ['192.0.2.5']);
    assert.deepEqual(fake.lookup(n, 'AAAA'), ['2001:db8::1'], 'the other type is left alone');
    assert.equal(fake.mutations - before, 1, 'one batch request');
    assert.equal(fake.requests.at(-1)!.path.endsWith('/dns_records/batch'), true);
  });

  it('a proxied record with a comment keeps both (and its id) through an update, and is then in sync', async () => {
    const n = 'proxied.example.com';
    const seeded = fake.addRecord('example.com', { type: 'A', name: n, content: '192.0.2.1', proxied: true, comment: 'origin, set up by hand' });
    const previous = await p.read!(A(n));
    await p.write(A(n), { values: ['192.0.2.2'], ttl: 60, previous });
    const [after, ...rest] = fake.records(n, 'A');
    assert.equal(rest.length, 0);
    assert.equal(after!.id, seeded.id, 'updated in place, not deleted and re-created');
    assert.equal(after!.content, '192.0.2.2');
    assert.equal(after!.proxied, true);
    assert.equal(after!.comment, 'origin, set up by hand');
    assert.equal(after!.created_on, seeded.created_on);
    const patch = fake.requests.at(-1)!;
    assert.equal(patch.method, 'PATCH');
    assert.deepEqual(patch.body, { type: 'A', name: n, content: '192.0.2.2', ttl: 1 }, 'neither proxied nor comment is sent; a proxied record\'s automatic TTL (1) is sent back as it is');
    const before = fake.mutations;
    await p.write(A(n), { values: ['192.0.2.2'], ttl: 60, previous: await p.read!(A(n)) });
    assert.equal(fake.mutations, before, 'the automatic TTL of a proxied record is not a difference');
  });

  it('records it creates carry the ownership comment, the configured proxied flag, and TTL ≥ 60', async () => {
    const n = 'created.example.com';
    await providerFor(fake, { proxied: true }).write(A(n), { values: ['192.0.2.7'], ttl: 60, previous: null });
    const [r] = fake.records(n, 'A');
    assert.equal(r!.comment, OWNER_COMMENT);
    assert.equal(r!.proxied, true);
    const m = 'short-ttl.example.com';
    await p.write(A(m), { values: ['192.0.2.8'], ttl: 30, previous: null });
    assert.equal(fake.records(m, 'A')[0]!.ttl, 60);
    assert.equal(fake.records(m, 'A')[0]!.proxied, false);
    const before = fake.mutations;
    await p.write(A(m), { values: ['192.0.2.8'], ttl: 30, previous: await p.read!(A(m)) });
    assert.equal(fake.mutations, before, 'ttl 30 sent as 60 is in sync with 60');
  });

  it('failover over several records: the foreign one is reused, dnsfail\'s deleted, in one transaction', async () => {
    const n = 'mixed.example.com';
    const foreign = fake.addRecord('example.com', { type: 'A', name: n, content: '192.0.2.1', comment: 'hand made' });
    fake.addRecord('example.com', { type: 'A', name: n, content: '192.0.2.2', comment: OWNER_COMMENT });
    fake.addRecord('example.com', { type: 'A', name: n, content: '192.0.2.3', comment: OWNER_COMMENT });
    const before = fake.mutations;
    await p.write(A(n), { values: ['192.0.2.9'], ttl: 60, previous: await p.read!(A(n)) });
    assert.equal(fake.mutations - before, 1);
    const records = fake.records(n, 'A');
    assert.deepEqual(records.map((r) => [r.id, r.content, r.comment]), [[foreign.id, '192.0.2.9', 'hand made']]);
  });

  it('records it did not create are never deleted: a conflict, and nothing is sent', async () => {
    const n = 'foreign.example.com';
    fake.addRecord('example.com', { type: 'A', name: n, content: '192.0.2.1' });
    fake.addRecord('example.com', { type: 'A', name: n, content: '192.0.2.2', comment: 'someone else' });
    const before = fake.mutations;
    for (const values of [['192.0.2.9'], ['192.0.2.2']]) {
      await assert.rejects(
        withRetry(() => p.write(A(n), { values, ttl: 60, previous: null }), FAST),
        (e: unknown) => e instanceof ProviderError && e.kind === 'conflict' && /1 more record \(192\.0\.2\.[12]\) not created by dnsfail/.test(e.message),
      );
    }
    assert.equal(fake.mutations, before);
    assert.deepEqual(fake.lookup(n, 'A'), ['192.0.2.1', '192.0.2.2']);
  });

  it('a record changed since this run read it is not overwritten', async () => {
    const n = 'raced.example.com';
    const r = fake.addRecord('example.com', { type: 'A', name: n, content: '192.0.2.1' });
    const previous = await p.read!(A(n));
    await providerFor(fake).write(A(n), { values: ['192.0.2.5'], ttl: 60, previous });
    const before = fake.mutations;
    await assert.rejects(p.write(A(n), { values: ['192.0.2.2'], ttl: 60, previous }), (e: unknown) => e instanceof ProviderError && e.kind === 'conflict');
    assert.equal(fake.mutations, before);
    assert.equal(fake.records(n, 'A')[0]!.id, r.id);
  });

  it('a CNAME at the name: read reports it, and a write is refused before any change is sent', async () => {
    const n = 'cname.example.com';
    fake.addRecord('example.com', { type: 'CNAME', name: n, content: 'Elsewhere.example.net.' });
    assert.deepEqual(await p.read!(A(n)), { values: [], cname: 'elsewhere.example.net' });
    const [many] = await p.readMany!([A(n), A('other.example.com')]);
    assert.deepEqual(many, { values: [], cname: 'elsewhere.example.net' });
    const before = fake.mutations;
    await assert.rejects(withRetry(() => p.write(A(n), { values: ['192.0.2.10'], ttl: 60, previous: null }), FAST), (e: unknown) => {
      assert.ok(e instanceof ProviderError);
      assert.equal(e.kind, 'fatal');
      assert.match(e.message, /cname\.example\.com is a CNAME in Cloudflare zone example\.com/);
      return true;
    });
    assert.equal(fake.mutations - before, 0, 'nothing sent');
    assert.equal(fake.lookup(n, 'A'), null);
  });

  it('reads the TTL, but not of a proxied record (Cloudflare serves its own)', async () => {
    fake.addRecord('example.com', { type: 'A', name: 'ttl.example.com', content: '192.0.2.10', ttl: 3600 });
    assert.deepEqual(await p.read!(A('ttl.example.com')), { values: ['192.0.2.10'], ttl: 3600 });
    fake.addRecord('example.com', { type: 'A', name: 'proxied-ttl.example.com', content: '192.0.2.10', ttl: 1, proxied: true });
    assert.deepEqual(await p.read!(A('proxied-ttl.example.com')), { values: ['192.0.2.10'] });
  });

  it('values of the wrong family are refused before any request', async () => {
    const start = fake.requests.length;
    await assert.rejects(p.write({ name: 'v6.example.com', type: 'AAAA' }, { values: ['192.0.2.1'], ttl: 60, previous: null }), /not an IPv6 address/);
    assert.equal(fake.requests.length, start);
  });

  it('the fake: over the budget every call gets 429 with retry-after until the 5-minute block ends', async () => {
    fake.setRateLimit({ requests: 3 });
    await p.read!(A('budget.example.com')); // zone lookups + one page
    const call = () => withRetry(() => p.read!(A('budget.example.com')), { ...FAST, retries: 0 });
    while (true) {
      try {
        await call();
      } catch (e) {
        assert.ok(e instanceof ProviderError && e.kind === 'rate-limited', String(e));
        assert.equal(e.retryAfterMs, 300_000);
        assert.match(e.message, /HTTP 429: More than 3 requests per 300 seconds reached/);
        break;
      }
    }
    clock += 100_000;
    await assert.rejects(call(), (e: unknown) => e instanceof ProviderError && e.retryAfterMs === 200_000);
    clock += 201_000;
    assert.equal(await call(), null);
  });

  it('through the engine: a 429 with retry-after 300 is not waited for; the backoff is persisted and the next run calls nothing', async () => {
    const n = 'engine-429.example.com';
    fake.addRecord('example.com', { type: 'A', name: n, content: '192.0.2.10' });
    const record = recordFor(n, 'A', ['192.0.2.10', '192.0.2.20']);
    const settings = { type: 'cloudflare', token: TOKEN, endpoint: fake.url };
    const config: Config = { source: 'test', baseDir: '/', providers: { p: { id: 'p', kind: 'cloudflare', factory: cloudflareProvider, settings } }, records: [record], notify: [] };
    const probe = async (t: ProbeTarget[]) => t.map((x) => ({ healthy: x.address === '192.0.2.20', latencyMs: 1 }));
    const now = () => new Date(clock);
    fake.setRateLimit({ requests: 0 });

    const start = fake.requests.length;
    const t0 = performance.now();
    const r1 = await runOnce(config, emptyState(), { providers: { p: providerFor(fake) }, probe, now }, { dryRun: false });
    assert.ok(performance.now() - t0 < 5_000, 'did not wait for the retry-after');
    assert.equal(fake.requests.length - start, 1, 'one request, no retry');
    const rec = r1.report.records[0]!;
    assert.equal(rec.outcome, 'error');
    assert.equal(rec.written, false);
    assert.match(rec.error!, /backing off for 5m \(until 2030-01-01T00:\d\d:\d\d\.\d+Z\).*HTTP 429.*\(rate limited; Retry-After 300s\)/);
    const hold = r1.state.holds?.[`p/${record.key}`];
    assert.equal(hold?.kind, 'backoff');
    assert.equal(Date.parse(hold!.until!) - clock, 300_000);

    const mid = fake.requests.length;
    clock += 60_000;
    const r2 = await runOnce(config, r1.state as StateFile, { providers: { p: providerFor(fake) }, probe, now }, { dryRun: false });
    assert.equal(fake.requests.length, mid, 'no request while backing off');
    assert.equal(r2.report.records[0]!.outcome, 'error');
    assert.ok(r2.state.holds?.[`p/${record.key}`], 'the hold is kept');

    clock += 241_000;
    fake.setRateLimit({ requests: 1200 });
    const r3 = await runOnce(config, r2.state as StateFile, { providers: { p: providerFor(fake) }, probe, now }, { dryRun: false });
    assert.equal(r3.report.records[0]!.written, true, r3.report.records[0]!.error);
    assert.deepEqual(fake.lookup(n, 'A'), ['192.0.2.20']);
    assert.equal(r3.state.holds, undefined);
  });

  it('the token never appears in errors or reports, and goes only in the Authorization header', async () => {
    const messages: string[] = [];
    const collect = async (f: () => Promise<unknown>) => {
      try {
        await f();
      } catch (e) {
        messages.push(String(e), (e as Error).stack ?? '', JSON.stringify(e));
      }
    };
    const bad = providerFor(fake, { token: BAD_TOKEN });
    await collect(() => bad.read!(A('secret.example.com')));
    await collect(() => bad.write(A('secret.example.com'), { values: ['192.0.2.1'], ttl: 60, previous: null }));
    fake.addRecord('example.com', { type: 'CNAME', name: 'secret-cname.example.com', content: 'x.example.net' });
    await collect(() => p.write(A('secret-cname.example.com'), { values: ['192.0.2.1'], ttl: 60, previous: null }));
    fake.injectFault({ kind: 'http-5xx', status: 502, times: 1 });
    await collect(() => p.read!(A('secret.example.com')));
    fake.injectFault({ kind: 'timeout', times: 1 });
    await collect(() => p.read!(A('secret.example.com')));
    fake.setRateLimit({ requests: 0 });
    await collect(() => p.read!(A('secret.example.com')));
    const record = recordFor('secret.example.com', 'A', ['192.0.2.1']);
    const config: Config = { source: 'test', baseDir: '/', providers: { p: { id: 'p', kind: 'cloudflare', factory: cloudflareProvider, settings: {} } }, records: [record], notify: [] };
    const run = await runOnce(config, emptyState(), { providers: { p }, probe: async (t) => t.map(() => ({ healthy: true, latencyMs: 1 })) }, { dryRun: false });
    messages.push(JSON.stringify(run));

    assert.equal(messages.length, 6 * 3 + 1);
    assert.match(messages.join('\n'), /HTTP 403: Invalid access token \(9109\)/);
    for (const m of messages) {
      assert.ok(!m.includes(TOKEN) && !m.includes(BAD_TOKEN), `token leaked in: ${m.slice(0, 200)}`);
      assert.ok(!/bearer/i.test(m), `auth header echoed in: ${m.slice(0, 200)}`);
    }
    for (const r of fake.requests) {
      assert.match(String(r.headers.authorization), /^Bearer cf-(good|bad)-/);
      assert.equal(r.headers['user-agent'], ctx.userAgent);
      assert.ok(!JSON.stringify(r.query).includes(TOKEN) && !JSON.stringify(r.body ?? null).includes(TOKEN), 'token only in the header');
    }
  });
});
