import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import hetznerProvider, { createHetznerProvider, hetznerConfigSchema } from '../../providers/hetzner/index.js';
import { ProviderError } from '../../providers/kit/errors.js';
import { withRetry } from '../../providers/kit/retry.js';
import type { Provider, RecordRef } from '../../providers/kit/types.js';
import { startHetznerFake, type HetznerFake } from '../fakes/hetzner.js';
import { providerContract } from './provider-contract.js';

const TOKEN = `hcloud-good-${randomBytes(16).toString('hex')}`;
const BAD_TOKEN = `hcloud-bad-${randomBytes(16).toString('hex')}`;
const ctx = { userAgent: 'dnsfail/test (+contract)', baseDir: '/' };
const FAST = { minDelayMs: 20, maxDelayMs: 50 };

const providerFor = (fake: HetznerFake, extra: Record<string, unknown> = {}): Provider =>
  createHetznerProvider(hetznerConfigSchema.parse({ type: 'hetzner', token: TOKEN, endpoint: fake.url, ...extra }), ctx, { timeoutMs: 500 });

/** Every fake of this file: all its requests were checked against the description, and none broke it. */
const fakes: HetznerFake[] = [];
const started = async (...a: Parameters<typeof startHetznerFake>) => {
  const f = await startHetznerFake(...a);
  fakes.push(f);
  return f;
};
after(() => {
  console.log(`hetzner: ${fakes.reduce((n, f) => n + f.mock.requests.length, 0)} requests validated against test/fixtures/api-specs/hetzner/hcloud-dns.json`);
  assert.deepEqual(fakes.flatMap((f) => f.mock.violations), []);
});

let contractFake: HetznerFake;
providerContract({
  kind: 'hetzner',
  capabilities: hetznerProvider.capabilities,
  zone: 'example.test',
  start: async () => {
    contractFake = await started({ token: TOKEN, zones: ['example.test'] });
  },
  stop: async () => {
    assert.deepEqual(contractFake.mock.violations, []);
    await contractFake.close();
  },
  provider: () => providerFor(contractFake),
  badAuthProvider: () => providerFor(contractFake, { token: BAD_TOKEN, zone: 'example.test' }),
  settings: () => ({ type: 'hetzner', token: TOKEN, endpoint: contractFake.url }),
  lookup: async (name, type) => contractFake.lookup(name, type),
  mutations: () => contractFake.mutations(),
  requests: () => contractFake.mock.requests.length,
  injectFault: (f) => contractFake.injectFault(f),
});

const A = (name: string): RecordRef => ({ name, type: 'A' });
const sent = (fake: HetznerFake, from: number) => fake.mock.requests.slice(from).map((r) => `${r.method} ${r.path}`);

describe('hetzner specifics (fake API)', () => {
  let fake: HetznerFake;
  before(async () => {
    fake = await started({ token: TOKEN, zones: ['example.com', 'example.org'] });
  });
  after(() => fake.close());

  it('finds the zone by trying parent names, creates with add_records and waits for the Action', async () => {
    const p = providerFor(fake);
    const from = fake.mock.requests.length;
    await p.write(A('app.deep.example.com'), { values: ['192.0.2.1', '192.0.2.2'], ttl: 120, previous: null });
    assert.deepEqual(sent(fake, from).map((x) => x.replace(/\d+$/, 'N')), [
      'GET /zones/app.deep.example.com/rrsets',
      'GET /zones/deep.example.com/rrsets',
      'GET /zones/example.com/rrsets',
      'POST /zones/example.com/rrsets/app.deep/A/actions/add_records',
      'GET /actions/N',
    ]);
    const add = fake.mock.requests.find((r) => r.path.endsWith('/add_records'))!;
    assert.deepEqual(add.body, { records: [{ value: '192.0.2.1' }, { value: '192.0.2.2' }], ttl: 120 });
    assert.equal(add.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(fake.rrset('app.deep.example.com', 'A'), { ttl: 120, values: ['192.0.2.1', '192.0.2.2'] });
    const again = fake.mock.requests.length;
    assert.deepEqual(await p.read!(A('web.deep.example.com')), null);
    assert.deepEqual(sent(fake, again), ['GET /zones/example.com/rrsets'], 'the zone is remembered for the run');
  });

  it('changes only what differs: set_records for the values, change_ttl for the TTL, nothing when in sync', async () => {
    const p = providerFor(fake, { zone: 'example.com' });
    fake.setRrset('www.example.com', 'A', ['192.0.2.1'], 300);
    let from = fake.mock.requests.length;
    await p.write(A('www.example.com'), { values: ['192.0.2.9'], ttl: 300, previous: { values: ['192.0.2.1'] } });
    assert.deepEqual(sent(fake, from).filter((x) => x.startsWith('POST')), ['POST /zones/example.com/rrsets/www/A/actions/set_records']);
    from = fake.mock.requests.length;
    await p.write(A('www.example.com'), { values: ['192.0.2.9'], ttl: 60, previous: { values: ['192.0.2.9'] } });
    assert.deepEqual(sent(fake, from).filter((x) => x.startsWith('POST')), ['POST /zones/example.com/rrsets/www/A/actions/change_ttl']);
    assert.deepEqual(fake.rrset('www.example.com', 'A'), { ttl: 60, values: ['192.0.2.9'] });
    const m = fake.mutations();
    await p.write(A('www.example.com'), { values: ['192.0.2.9'], ttl: 30, previous: { values: ['192.0.2.9'] } });
    assert.equal(fake.mutations(), m, 'a TTL of 30 is stored as 60: in sync');
    assert.equal(hetznerProvider.storedTtl!(30, {} as never), 60);
  });

  it('the apex is "@"; an empty list deletes only that RRSet; an RRSet on the zone default TTL reads without a TTL', async () => {
    const p = providerFor(fake, { zone: 'example.org' });
    fake.setRrset('example.org', 'TXT', ['"keep"']);
    fake.setRrset('example.org', 'A', ['192.0.2.5'], null);
    assert.deepEqual(await p.read!(A('example.org')), { values: ['192.0.2.5'] });
    const from = fake.mock.requests.length;
    await p.write(A('example.org'), { values: [], ttl: 60, previous: { values: ['192.0.2.5'] } });
    assert.ok(sent(fake, from).includes('DELETE /zones/example.org/rrsets/@/A'));
    assert.equal(fake.lookup('example.org', 'A'), null);
    assert.deepEqual(fake.lookup('example.org', 'TXT'), ['"keep"']);
  });

  it('readMany lists each zone once, every page, with type filters, and never trips on other types', async () => {
    const p = providerFor(fake);
    for (let i = 0; i < 7; i++) fake.setRrset(`m${i}.example.com`, 'A', [`198.51.100.${i + 1}`], 60);
    fake.setRrset('mx.example.com', 'MX', ['10 mail.example.com.']);
    fake.setMaxPerPage(3);
    try {
      const from = fake.mock.requests.length;
      const got = await p.readMany!([...Array.from({ length: 7 }, (_, i) => A(`m${i}.example.com`)), A('mx.example.com')]);
      assert.deepEqual(got.map((c) => (c instanceof Error ? c.message : (c?.values[0] ?? null))), [...Array.from({ length: 7 }, (_, i) => `198.51.100.${i + 1}`), null]);
      const lists = fake.mock.requests.slice(from).filter((r) => r.path === '/zones/example.com/rrsets');
      assert.ok(lists.length >= 3, `${lists.length} pages`);
      assert.deepEqual(lists.map((r) => r.query.page), lists.map((_, i) => String(i + 1)));
      assert.deepEqual(lists[0]!.queryAll.getAll('type'), ['A', 'AAAA', 'CNAME']);
    } finally {
      fake.setMaxPerPage(100);
    }
  });

  it('a CNAME at the name is read as such and never written over; a change since the read is a conflict', async () => {
    const p = providerFor(fake, { zone: 'example.com' });
    fake.setRrset('alias.example.com', 'CNAME', ['target.example.net.']);
    assert.deepEqual(await p.read!(A('alias.example.com')), { values: [], cname: 'target.example.net' });
    const m = fake.mutations();
    await assert.rejects(p.write(A('alias.example.com'), { values: ['192.0.2.1'], ttl: 60, previous: null }), /is a CNAME in Hetzner zone example\.com/);
    fake.setRrset('cas.example.com', 'A', ['192.0.2.77'], 60);
    await assert.rejects(p.write(A('cas.example.com'), { values: ['192.0.2.2'], ttl: 60, previous: { values: ['192.0.2.1'] } }), (e: unknown) => e instanceof ProviderError && e.kind === 'conflict');
    assert.equal(fake.mutations(), m);
  });

  it('an Action that ends in error is fatal and names it; one still running after the polls is transient', async () => {
    const p = providerFor(fake, { zone: 'example.com' });
    fake.failNextAction();
    await assert.rejects(p.write(A('fail.example.com'), { values: ['192.0.2.1'], ttl: 60, previous: null }), (e: unknown) => {
      return e instanceof ProviderError && e.kind === 'fatal' && /add_records fail\/A in example\.com: action \d+ failed: Action failed \(action_failed\)/.test(e.message);
    });
    fake.setActionPolls(100);
    const slow = createHetznerProvider(hetznerConfigSchema.parse({ type: 'hetzner', token: TOKEN, endpoint: fake.url, zone: 'example.com' }), ctx, { timeoutMs: 500, sleep: async () => {} });
    try {
      await assert.rejects(slow.write(A('slow.example.com'), { values: ['192.0.2.1'], ttl: 60, previous: null }), (e: unknown) => e instanceof ProviderError && e.kind === 'transient' && /still running/.test(e.message));
    } finally {
      fake.setActionPolls(1);
    }
  });

  it('no zone holds the name: fatal, says what was tried; a 429 waits for one request of budget; a 5xx page is transient', async () => {
    const p = providerFor(fake);
    await assert.rejects(withRetry(() => p.read!(A('app.nowhere.test')), FAST), /no Hetzner zone holding app\.nowhere\.test is visible to this token \(looked for app\.nowhere\.test, nowhere\.test\)/);
    fake.injectFault({ kind: 'rate-limit', retryAfterS: 30 });
    const limited = await p.read!(A('x.example.com')).catch((e: unknown) => e);
    assert.ok(limited instanceof ProviderError && limited.kind === 'rate-limited', String(limited));
    assert.equal(limited.retryAfterMs, 1000, 'Hetzner refills one request a second; RateLimit-Reset is when all are back');
    assert.match(limited.message, /HTTP 429: limit of 3600 requests per hour reached \(rate_limit_exceeded\)/);
    fake.injectFault({ kind: 'http-5xx', status: 503 });
    const down = await p.read!(A('x.example.com')).catch((e: unknown) => e);
    assert.ok(down instanceof ProviderError && down.kind === 'transient', String(down));
    for (const e of [limited, down]) assert.ok(!(e as Error).message.includes(TOKEN));
  });
});
