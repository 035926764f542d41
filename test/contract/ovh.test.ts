import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Provider } from '../../providers/kit/types.js';
import ovhProvider, { createOvhProvider, type OvhConfig } from '../../providers/ovh/index.js';
import { startOvhFake, type OvhFake } from '../fakes/ovh.js';
import { providerContract } from './provider-contract.js';
import { specificsTools } from '../helpers/specifics.js';

// The ovh provider against a fake OVHcloud API that checks every request's signature and validates
// every request and answer against a transcription of OVH's API schema (test/fixtures/api-specs/ovh).

const ZONE = 'example.test';
const ctx = { userAgent: 'dnsfail/test (+contract)', baseDir: '/' };
const KEYS = { applicationKey: 'appKEY0123456789', applicationSecret: 'appSECRET0123456789abcdef01234567', consumerKey: 'consumerKEY0123456789abcdef012345' };

const settingsFor = (fake: OvhFake, extra: Partial<OvhConfig> = {}) => ({ type: 'ovh', zone: ZONE, endpoint: fake.url, ...KEYS, ...extra });
const providerFor = (fake: OvhFake, extra: Partial<OvhConfig> = {}): Provider => createOvhProvider(ovhProvider.configSchema.parse(settingsFor(fake, extra)), ctx, { timeoutMs: 1000 });
const report = (what: string, fake: OvhFake) => {
  console.log(`ovh ${what}: ${fake.mock.requests.length} requests validated against the OVH /1.0/domain.json transcription`);
  assert.deepEqual(fake.mock.violations, []);
};

{
  let fake: OvhFake;
  providerContract({
    kind: 'ovh',
    capabilities: ovhProvider.capabilities,
    zone: ZONE,
    start: async () => {
      fake = await startOvhFake({ zones: [ZONE], ...KEYS });
    },
    stop: async () => {
      report('contract', fake);
      await fake.close();
    },
    provider: () => providerFor(fake),
    badAuthProvider: () => providerFor(fake, { consumerKey: 'revokedCONSUMERkey0123456789abcd' }),
    settings: () => settingsFor(fake),
    lookup: async (name, type) => fake.lookup(name, type),
    mutations: () => fake.mutations(),
    requests: () => fake.requests(),
    injectFault: (f) => fake.injectFault(f),
  });
}

describe('ovh provider against the fake OVHcloud API', () => {
  let f: OvhFake;
  let p: Provider;
  const { name, ref, rejection } = specificsTools(ZONE);

  before(async () => {
    f = await startOvhFake({ zones: [ZONE], ...KEYS });
    p = providerFor(f);
  });
  after(async () => {
    report('provider tests', f);
    await f.close();
  });

  it('edits records in place (ids kept), signs every call, and refreshes the zone once after writing', async () => {
    const n = name('inplace');
    const [a] = [f.add(n, 'A', '192.0.2.1', 300), f.add(n, 'A', '192.0.2.2', 300)];
    const previous = await p.read!(ref(n));
    assert.deepEqual(previous, { values: ['192.0.2.1', '192.0.2.2'], ttl: 300 });
    const from = f.mock.requests.length;
    const r0 = f.refreshes;
    await p.write(ref(n), { values: ['192.0.2.1'], ttl: 60, previous });
    const sent = f.mock.requests.slice(from);
    assert.deepEqual(sent.filter((r) => r.method !== 'GET').map((r) => r.route), [
      'PUT /domain/zone/{zoneName}/record/{id}',
      'DELETE /domain/zone/{zoneName}/record/{id}',
      'POST /domain/zone/{zoneName}/refresh',
    ]);
    assert.equal(f.refreshes, r0 + 1);
    assert.deepEqual(f.records(n, 'A').map((r) => [r.id, r.target, r.ttl]), [[a.id, '192.0.2.1', 60]]);
    for (const r of sent) {
      assert.equal(r.headers['x-ovh-application'], KEYS.applicationKey);
      assert.match(String(r.headers['x-ovh-signature']), /^\$1\$[0-9a-f]{40}$/);
    }
  });

  it('a write is served only after the refresh: lookup sees the published zone', async () => {
    const n = name('publish');
    await p.write(ref(n), { values: ['192.0.2.7', '192.0.2.8'], ttl: 120, previous: null });
    assert.deepEqual(f.lookup(n, 'A')?.sort(), ['192.0.2.7', '192.0.2.8']);
    assert.deepEqual(f.records(n, 'A').map((r) => r.subDomain), [n.slice(0, -ZONE.length - 1), n.slice(0, -ZONE.length - 1)]);
  });

  it('the apex is subDomain ""; a CNAME is reported; other types and odd targets do not break the read', async () => {
    f.add(ZONE, 'A', '192.0.2.100', 600);
    f.add(ZONE, 'MX', '10 mx.example.test.');
    assert.deepEqual(await p.read!(ref(ZONE)), { values: ['192.0.2.100'], ttl: 600 });
    const n = name('odd');
    f.add(n, 'A', 'not-an-address');
    f.add(n, 'TXT', '"v=spf1 -all"');
    f.add(n, 'A', '192.0.2.9', 0);
    assert.deepEqual(await p.read!(ref(n)), { values: ['192.0.2.9'] }, 'TTL 0 is the zone default: not reported');
    const alias = name('alias');
    f.add(alias, 'CNAME', 'Target.Example.NET.');
    assert.deepEqual(await p.read!(ref(alias)), { values: [], cname: 'target.example.net' });
    assert.match((await rejection(p.write(ref(alias), { values: ['192.0.2.1'], ttl: 60, previous: null }))).message, /is a CNAME/);
  });

  it('no write and no refresh when in sync, TTL included', async () => {
    const n = name('sync');
    f.add(n, 'A', '192.0.2.5', 60);
    const m = f.mutations();
    await p.write(ref(n), { values: ['192.0.2.5'], ttl: 60, previous: { values: ['192.0.2.5'], ttl: 60 } });
    assert.equal(f.mutations(), m);
    await p.write(ref(n), { values: ['192.0.2.5'], ttl: 300, previous: { values: ['192.0.2.5'], ttl: 60 } });
    assert.equal(f.records(n, 'A')[0]!.ttl, 300);
  });

  it('changed since this run read it: a conflict, nothing written', async () => {
    const n = name('changed');
    const r = f.add(n, 'A', '192.0.2.5', 60);
    const previous = await p.read!(ref(n));
    r.target = '192.0.2.99';
    const m = f.mutations();
    assert.equal((await rejection(p.write(ref(n), { values: ['192.0.2.6'], ttl: 60, previous }))).kind, 'conflict');
    assert.equal(f.mutations(), m);
  });

  it('a clock far from OVH\'s: one QUERY_TIME_OUT, then GET /auth/time and the call again with the corrected timestamp', async () => {
    const skewed = await startOvhFake({ zones: [ZONE], ...KEYS, clockOffsetS: 3600 });
    try {
      const q = providerFor(skewed);
      const n = name('clock');
      await q.write(ref(n), { values: ['192.0.2.3'], ttl: 60, previous: null });
      assert.deepEqual(skewed.lookup(n, 'A'), ['192.0.2.3']);
      assert.equal(skewed.mock.requests.filter((r) => r.path === '/auth/time').length, 1, 'the time is asked once per run');
      report('clock test', skewed);
    } finally {
      await skewed.close();
    }
  });

  it('a wrong application secret is INVALID_SIGNATURE, an auth error after one request, naming the fix without the secret', async () => {
    const before = f.requests();
    const e = await rejection(providerFor(f, { applicationSecret: 'wrongSECRET0123456789abcdef01234' }).read!(ref(name('sig'))));
    assert.equal(e.kind, 'auth');
    assert.equal(f.requests() - before, 1);
    assert.match(e.message, /INVALID_SIGNATURE: Invalid signature \(check applicationKey, applicationSecret and consumerKey/);
    assert.ok(!e.message.includes('wrongSECRET'));
  });

  it('an unknown zone is fatal and names it; a 429 is rate-limited with its Retry-After', async () => {
    const e = await rejection(createOvhProvider(ovhProvider.configSchema.parse({ ...settingsFor(f), zone: 'other.test' }), ctx).read!(ref('x.other.test')));
    assert.equal(e.kind, 'fatal');
    assert.match(e.message, /zone other\.test.*This service does not exist/);
    f.injectFault({ kind: 'rate-limit', retryAfterS: 4, times: 1 });
    const rl = await rejection(p.read!(ref(name('rl'))));
    assert.equal(rl.kind, 'rate-limited');
    assert.equal(rl.retryAfterMs, 4000);
  });

  it('endpoint presets and URLs: ovh-eu by default, a non-https URL refused at load', () => {
    assert.equal(ovhProvider.configSchema.safeParse({ type: 'ovh', zone: ZONE, ...KEYS, endpoint: 'ovh-ca' }).success, true);
    const bad = ovhProvider.configSchema.safeParse({ type: 'ovh', zone: ZONE, ...KEYS, endpoint: 'http://api.example.test/1.0' });
    assert.match(JSON.stringify(bad.error?.issues), /not https.*or one of ovh-eu, ovh-ca, ovh-us/);
  });
});
