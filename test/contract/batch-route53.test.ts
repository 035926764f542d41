import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import route53Provider, { createRoute53Provider } from '../../providers/route53/index.js';
import type { Provider, RecordRef } from '../../providers/kit/types.js';
import { FAKE_CREDENTIALS, itConformsToTheServiceModel, startFakeRoute53, type FakeRoute53, type FakeZone } from '../fakes/route53.js';
import { batchContract } from './batch-contract.js';

// readMany/writeMany against the Route 53 fake, which enforces the per-request quotas (1,000
// ResourceRecord elements, 32,000 value characters) and the all-or-nothing change batch.
// A provider serves one hosted zone, so the two zones have a provider each.

const ZONES: [string, string] = ['one.test', 'two.test'];
const ctx = { userAgent: 'dnsfail/test (+batch)', baseDir: '/' };
const EMPTY_HOME = mkdtempSync(join(tmpdir(), 'dnsfail-r53-batch-home-'));
const env = { AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey };

const make = (fake: FakeRoute53, zoneId: string, extra: Record<string, unknown> = {}): Provider =>
  createRoute53Provider(route53Provider.configSchema.parse({ type: 'route53', endpoint: fake.url, hostedZoneId: zoneId, ...extra }), ctx, { env, homeDir: EMPTY_HOME, timeoutMs: 2000, waitIntervalMs: 5 });
const zoneOf = (name: string) => ZONES.find((z) => name.endsWith(`.${z}`))!;

{
  let fake: FakeRoute53;
  const zones = new Map<string, FakeZone>();
  const providers = new Map<string, Provider>();
  batchContract({
    kind: 'route53',
    zones: ZONES,
    start: async () => {
      fake = await startFakeRoute53();
      for (const z of ZONES) {
        zones.set(z, fake.addZone(z));
        providers.set(z, make(fake, zones.get(z)!.id));
      }
    },
    stop: async () => {
      await fake.close();
      assert.deepEqual(fake.violations, [], 'requests off the Route 53 service model');
    },
    providerFor: (zone) => providers.get(zone)!,
    lookup: async (name, type) => fake.getRrset(zones.get(zoneOf(name))!.id, name, type)?.values ?? null,
    requests: () => fake.requests.length,
    mutations: () => fake.mutations,
    // Per zone: one listing page per 300 rrsets; one change batch per 1,000 ResourceRecord elements.
    maxReadRequests: (records, z) => z * Math.ceil(records / z / 300),
    maxWriteRequests: (records, z) => z * Math.ceil(records / z / 1000),
    // Someone else changes the record after our read: the DELETE of the compare-and-set no longer matches.
    spoil: async (name) => {
      fake.setRrset(zones.get(zoneOf(name))!.id, { name, type: 'A', ttl: 60, values: ['192.0.2.254'] });
      return 'conflict';
    },
    skipsUnchanged: true,
  });
}

describe('route53 batches (fake)', () => {
  let fake: FakeRoute53;
  let zone: FakeZone;
  let p: Provider;
  const ref = (i: number): RecordRef => ({ name: `r${String(i).padStart(4, '0')}.one.test`, type: 'A' });
  before(async () => {
    fake = await startFakeRoute53();
    zone = fake.addZone('one.test');
    p = make(fake, zone.id);
  });
  after(() => fake.close());

  it('splits at 1,000 ResourceRecord elements and keeps each record\'s DELETE and CREATE in one request', async () => {
    const n = 600;
    const refs = Array.from({ length: n }, (_, i) => ref(i));
    for (const r of refs) fake.setRrset(zone.id, { name: r.name, type: 'A', ttl: 60, values: ['192.0.2.1'] });
    const previous = await p.readMany!(refs);
    assert.ok(previous.every((c) => !(c instanceof Error) && c?.values[0] === '192.0.2.1'));
    const b0 = fake.changeBatches.length;
    const results = await p.writeMany!(refs.map((r, i) => ({ ref: r, req: { values: ['198.51.100.1'], ttl: 60, previous: previous[i] as { values: string[]; ttl: number } } })));
    assert.ok(results.every((r) => r.ok));
    // 600 × (DELETE + CREATE) = 1,200 elements: two requests of 500 records (1,000 changes) and 100 records.
    assert.deepEqual(fake.changeBatches.slice(b0), [1000, 200]);
    assert.ok(refs.every((r) => fake.getRrset(zone.id, r.name, 'A')?.values[0] === '198.51.100.1'));
  });

  it('readMany lists from the first wanted rrset and jumps over the rest of a large zone', async () => {
    const far = [ref(3), ref(599), { name: 'zzz-missing.one.test', type: 'A' as const }];
    const r0 = fake.requests.length;
    const got = await p.readMany!(far);
    assert.deepEqual(got.map((c) => (c instanceof Error ? c.message : c?.values)), [['198.51.100.1'], ['198.51.100.1'], undefined]);
    assert.equal(got[2], null);
    assert.ok(fake.requests.length - r0 <= 3, `${fake.requests.length - r0} requests for 3 rrsets far apart`);
  });

  it('several conflicts in one batch: each named record gets its conflict, the rest is sent again and written', async () => {
    const refs = [ref(10), ref(11), ref(12), ref(13)];
    const previous = await p.readMany!(refs);
    fake.setRrset(zone.id, { name: ref(11).name, type: 'A', ttl: 60, values: ['192.0.2.77'] });
    fake.setRrset(zone.id, { name: ref(13).name, type: 'A', ttl: 300, values: ['198.51.100.1'] });
    const m0 = fake.mutations;
    const results = await p.writeMany!(refs.map((r, i) => ({ ref: r, req: { values: ['203.0.113.5'], ttl: 60, previous: previous[i] as { values: string[]; ttl: number } } })));
    assert.deepEqual(results.map((r) => r.ok), [true, false, true, false]);
    for (const i of [1, 3]) {
      const e = (results[i] as { error: unknown }).error;
      assert.ok(e instanceof ProviderError && e.kind === 'conflict' && e.message.includes(refs[i]!.name), String(e));
    }
    assert.equal(fake.mutations - m0, 2, 'the refused batch, then the batch without the two conflicts');
    assert.deepEqual(refs.map((r) => fake.getRrset(zone.id, r.name, 'A')?.values), [['203.0.113.5'], ['192.0.2.77'], ['203.0.113.5'], ['198.51.100.1']]);
  });

  it('a transport failure of the whole call is thrown, so the engine retries it', async () => {
    fake.injectFault({ kind: 'http-5xx', status: 503, times: 1 });
    await assert.rejects(p.readMany!([ref(1), ref(2)]), (e: unknown) => e instanceof ProviderError && e.kind === 'transient');
    fake.injectFault({ kind: 'http-5xx', status: 503, times: 1 });
    await assert.rejects(p.writeMany!([ref(20), ref(21)].map((r) => ({ ref: r, req: { values: ['203.0.113.9'], ttl: 60, previous: null } }))), (e: unknown) => e instanceof ProviderError && e.kind === 'transient');
  });

  it('write() is writeMany of one record: the same single request as before', async () => {
    const r0 = fake.requests.length;
    await p.write(ref(900), { values: ['192.0.2.9'], ttl: 60, previous: null });
    assert.equal(fake.requests.length - r0, 1);
    assert.deepEqual(await p.read!(ref(900)), { values: ['192.0.2.9'], ttl: 60 });
    assert.match(fake.requests.at(-1)!.url, /maxitems=1$/);
  });
  itConformsToTheServiceModel(() => fake);
});
