import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { cloudflareConfigSchema, createCloudflareProvider } from '../../providers/cloudflare/index.js';
import { OWNER_COMMENT } from '../../providers/cloudflare/parse.js';
import { ProviderError } from '../../providers/kit/errors.js';
import type { Provider, RecordRef } from '../../providers/kit/types.js';
import { assertConforms, startCloudflareFake, type CloudflareFake } from '../fakes/cloudflare.js';
import { batchContract } from './batch-contract.js';

// readMany/writeMany against the Cloudflare fake, which enforces the batch endpoint's per-request
// limit (200 operations, the Free plan) and runs each batch as one transaction.

const TOKEN = `cf-batch-${randomBytes(16).toString('hex')}`;
const ZONES: [string, string] = ['one.test', 'two.test'];
const ctx = { userAgent: 'dnsfail/test (+batch)', baseDir: '/' };

const make = (fake: CloudflareFake, extra: Record<string, unknown> = {}): Provider =>
  createCloudflareProvider(cloudflareConfigSchema.parse({ type: 'cloudflare', token: TOKEN, endpoint: fake.url, ...extra }), ctx, { timeoutMs: 2000 });

{
  let fake: CloudflareFake;
  let provider: Provider;
  batchContract({
    kind: 'cloudflare',
    zones: ZONES,
    start: async () => {
      // The 2026 envelope here (result_info with total_pages); the suite below answers as the 2024 spec does.
      fake = await startCloudflareFake({ token: TOKEN, zones: ZONES, envelope: '2026' });
      provider = make(fake);
    },
    stop: async () => {
      await fake.close();
      assertConforms(fake, 'batch contract');
    },
    providerFor: () => provider,
    lookup: async (name, type) => fake.lookup(name, type),
    requests: () => fake.requests.length,
    mutations: () => fake.mutations,
    // The zone list (once per provider), then per zone one listing of its records and one batch per 200 changes.
    maxReadRequests: (_records, z) => 1 + z,
    maxWriteRequests: (records, z) => 1 + z * (1 + Math.ceil(records / z / 200)),
    // A record that dnsfail did not create appears at the name: dnsfail never deletes those.
    spoil: async (name) => {
      fake.addRecord(ZONES.find((z) => name.endsWith(`.${z}`))!, { type: 'A', name, content: '192.0.2.254', ttl: 60, comment: 'added by hand' });
      return 'conflict';
    },
    skipsUnchanged: true,
  });
}

describe('cloudflare batches (fake)', () => {
  let fake: CloudflareFake;
  const ref = (i: number, zone = 'one.test'): RecordRef => ({ name: `c${String(i).padStart(3, '0')}.${zone}`, type: 'A' });
  const batches = (from: number) => fake.requests.slice(from).filter((r) => r.path.endsWith('/dns_records/batch'));
  before(async () => {
    fake = await startCloudflareFake({ token: TOKEN, zones: ZONES, batchLimit: 200, envelope: '2024' });
  });
  after(async () => {
    await fake.close();
    assertConforms(fake, 'batches');
  });

  it('splits a zone\'s changes into batches of batchSize, never more than the plan allows', async () => {
    const refs = Array.from({ length: 450 }, (_, i) => ref(i));
    const r0 = fake.requests.length;
    const results = await make(fake).writeMany!(refs.map((r, i) => ({ ref: r, req: { values: [`198.51.100.${(i % 250) + 1}`], ttl: 60, previous: null } })));
    assert.ok(results.every((r) => r.ok), JSON.stringify(results.find((r) => !r.ok)));
    assert.deepEqual(batches(r0).map((b) => (b.body as { posts: unknown[] }).posts.length), [200, 200, 50]);
    assert.ok(refs.every((r, i) => fake.lookup(r.name, 'A')?.[0] === `198.51.100.${(i % 250) + 1}`));
    assert.ok(fake.records().filter((r) => r.name.startsWith('c')).every((r) => r.comment === OWNER_COMMENT), 'created records are marked as dnsfail\'s');

    const r1 = fake.requests.length;
    await make(fake, { batchSize: 100 }).writeMany!(refs.slice(0, 250).map((r) => ({ ref: r, req: { values: ['203.0.113.1'], ttl: 60, previous: null } })));
    assert.deepEqual(batches(r1).map((b) => (b.body as { patches: unknown[] }).patches.length), [100, 100, 50], 'in-place patches, 100 per batch');
  });

  it('a refused batch fails every record in it, and only those', async () => {
    // batchSize above the zone's limit: the batch of two.test is refused, one.test's single change goes through.
    const p = make(fake, { batchSize: 300 });
    const items = [ref(0), ...Array.from({ length: 250 }, (_, i) => ref(i, 'two.test'))].map((r) => ({ ref: r, req: { values: ['192.0.2.33'], ttl: 60, previous: null } }));
    const results = await p.writeMany!(items);
    assert.equal(results[0]!.ok, true);
    assert.ok(results.slice(1).every((r) => !r.ok && r.error instanceof ProviderError && r.error.kind === 'fatal' && /HTTP 400.*at most 200/.test(r.error.message)));
    assert.deepEqual(fake.lookup(ref(0).name, 'A'), ['192.0.2.33']);
    assert.equal(fake.lookup(ref(1, 'two.test').name, 'A'), null, 'nothing of the refused batch was applied');
  });

  it('a CNAME at a managed name fails that record before anything is sent; the others are written', async () => {
    fake.addRecord('two.test', { type: 'CNAME', name: 'alias.two.test', content: 'elsewhere.example.', ttl: 60 });
    const items = [{ name: 'alias.two.test', type: 'A' as const }, ref(300, 'two.test'), ref(301, 'two.test')].map((r) => ({ ref: r, req: { values: ['192.0.2.44'], ttl: 60, previous: null } }));
    const results = await make(fake).writeMany!(items);
    assert.deepEqual(results.map((r) => r.ok), [false, true, true]);
    const e = (results[0] as { error: unknown }).error;
    assert.ok(e instanceof ProviderError && e.kind === 'fatal' && /alias\.two\.test is a CNAME/.test(e.message), String(e));
  });

  it('several names find their zones with one zone listing, not a search per name', async () => {
    const r0 = fake.requests.length;
    const got = await make(fake).readMany!([ref(0), ref(1), ref(2, 'two.test'), { name: 'x.nowhere.test', type: 'A' }]);
    const zoneRequests = fake.requests.slice(r0).filter((r) => r.path === '/zones');
    assert.equal(zoneRequests.length, 1);
    assert.equal(zoneRequests[0]!.query.name, undefined);
    assert.ok(got[3] instanceof ProviderError && got[3].kind === 'fatal' && /no Cloudflare zone holding x\.nowhere\.test/.test(got[3].message));
    assert.deepEqual(got[0] && !(got[0] instanceof Error) ? got[0].values : null, ['192.0.2.33']);
  });
});
