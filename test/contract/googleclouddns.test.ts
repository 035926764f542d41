import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import googleCloudDnsProvider, { createGoogleProvider, type GoogleConfig } from '../../providers/googleclouddns/index.js';
import { ProviderError } from '../../providers/kit/errors.js';
import type { Provider } from '../../providers/kit/types.js';
import { startGoogleFake, type GoogleFake } from '../fakes/googleclouddns.js';
import { batchContract } from './batch-contract.js';
import { providerContract } from './provider-contract.js';
import { specificsTools } from '../helpers/specifics.js';

// The googleclouddns provider against a fake Cloud DNS that validates every API request and answer
// against a transcription of Google's discovery document (test/fixtures/api-specs/googleclouddns).

const ZONE = 'example.test';
const PROJECT = 'dnsfail-test';
const ctx = { userAgent: 'dnsfail/test (+contract)', baseDir: '/' };

const settingsFor = (fake: GoogleFake, managedZone = 'example-test', extra: Partial<GoogleConfig> = {}) => ({
  type: 'googleclouddns',
  project: PROJECT,
  managedZone,
  serviceAccountKey: fake.keyJson,
  endpoint: fake.url,
  tokenEndpoint: fake.tokenUrl,
  ...extra,
});
const providerFor = (fake: GoogleFake, managedZone = 'example-test', extra: Partial<GoogleConfig> = {}): Provider =>
  createGoogleProvider(googleCloudDnsProvider.configSchema.parse(settingsFor(fake, managedZone, extra)), ctx, { timeoutMs: 1000 });
const report = (what: string, fake: GoogleFake) => {
  console.log(`googleclouddns ${what}: ${fake.api.requests.length} Cloud DNS requests validated against the dns v1 discovery transcription`);
  assert.deepEqual(fake.api.violations, []);
};

{
  let fake: GoogleFake;
  providerContract({
    kind: 'googleclouddns',
    capabilities: googleCloudDnsProvider.capabilities,
    zone: ZONE,
    start: async () => {
      fake = await startGoogleFake({ project: PROJECT, zones: { 'example-test': ZONE } });
    },
    stop: async () => {
      report('contract', fake);
      await fake.close();
    },
    provider: () => providerFor(fake),
    badAuthProvider: () => providerFor(fake, 'example-test', { serviceAccountKey: fake.unknownKeyJson }),
    settings: () => settingsFor(fake),
    lookup: async (name, type) => fake.lookup(name, type),
    mutations: () => fake.changes,
    requests: () => fake.requests(),
    injectFault: (f) => fake.injectFault(f),
  });
}

{
  const ZONES: [string, string] = ['one.test', 'two.test'];
  const PAGE = 40;
  let fake: GoogleFake;
  const providers = new Map<string, Provider>();
  batchContract({
    kind: 'googleclouddns',
    zones: ZONES,
    start: async () => {
      fake = await startGoogleFake({ project: PROJECT, zones: { one: 'one.test', two: 'two.test' }, pageSize: PAGE });
      providers.set('one.test', providerFor(fake, 'one'));
      providers.set('two.test', providerFor(fake, 'two'));
    },
    stop: async () => {
      report('batch contract', fake);
      await fake.close();
    },
    providerFor: (zone) => providers.get(zone)!,
    lookup: async (name, type) => fake.lookup(name, type),
    requests: () => fake.requests(),
    mutations: () => fake.changes,
    // Per zone: every page of the listing (one more for the last), plus one token per provider.
    maxReadRequests: (records, z) => z * (Math.ceil(records / z / PAGE) + 1) + z,
    // Per zone: the listing again, then one change per 100 records.
    maxWriteRequests: (records, z) => z * (Math.ceil(records / z / PAGE) + 1 + Math.ceil(records / z / 100)) + z,
    spoil: async (name) => {
      fake.put(name, 'A', ['192.0.2.254'], 60);
      return 'conflict';
    },
    skipsUnchanged: true,
  });
}

describe('googleclouddns provider against the fake Cloud DNS', () => {
  let f: GoogleFake;
  let p: Provider;
  const { name, ref, rejection } = specificsTools(ZONE);

  before(async () => {
    f = await startGoogleFake({ project: PROJECT, zones: { 'example-test': ZONE }, pageSize: 2 });
    p = providerFor(f);
  });
  after(async () => {
    report('provider tests', f);
    await f.close();
  });

  it('a replacement is one change deleting the exact rrset read and adding the new one; one token per run', async () => {
    const n = name('wire');
    f.put(n, 'A', ['192.0.2.1', '192.0.2.2'], 300);
    const previous = await p.read!(ref(n));
    assert.deepEqual(previous, { values: ['192.0.2.1', '192.0.2.2'], ttl: 300 });
    const from = f.api.requests.length;
    await p.write(ref(n), { values: ['192.0.2.3'], ttl: 60, previous });
    const change = f.api.requests.slice(from).find((r) => r.method === 'POST')!;
    assert.deepEqual(change.body, {
      additions: [{ name: `${n}.`, type: 'A', ttl: 60, rrdatas: ['192.0.2.3'] }],
      deletions: [{ name: `${n}.`, type: 'A', ttl: 300, rrdatas: ['192.0.2.1', '192.0.2.2'] }],
    });
    assert.deepEqual(f.rrset(n, 'A'), { name: `${n}.`, type: 'A', ttl: 60, rrdatas: ['192.0.2.3'] });
    assert.equal(f.tokensIssued, 1);
    for (const r of f.api.requests) assert.match(String(r.headers.authorization), /^Bearer ya29\./);
  });

  it('pages through nextPageToken; a CNAME at the name is reported; other types and odd rrdatas do not break the read', async () => {
    const n = name('mixed');
    f.put(n, 'TXT', ['"hello"']);
    f.put(n, 'MX', ['10 mx.example.test.']);
    f.put(n, 'A', ['192.0.2.9', 'not-an-address', '2001:db8::1'], 120);
    assert.deepEqual(await p.read!(ref(n)), { values: ['192.0.2.9'], ttl: 120 });
    assert.ok(f.api.requests.some((r) => r.query.pageToken), 'a second page was asked for');
    const alias = name('alias');
    f.put(alias, 'CNAME', ['Target.Example.NET.']);
    assert.deepEqual(await p.read!(ref(alias)), { values: [], cname: 'target.example.net' });
    const e = await rejection(p.write(ref(alias), { values: ['192.0.2.1'], ttl: 60, previous: null }));
    assert.match(e.message, /is a CNAME/);
  });

  it('no change when in sync, TTL included; a TTL change alone is written', async () => {
    const n = name('sync');
    f.put(n, 'A', ['192.0.2.5'], 60);
    const c = f.changes;
    await p.write(ref(n), { values: ['192.0.2.5'], ttl: 60, previous: { values: ['192.0.2.5'], ttl: 60 } });
    assert.equal(f.changes, c);
    await p.write(ref(n), { values: ['192.0.2.5'], ttl: 300, previous: { values: ['192.0.2.5'], ttl: 60 } });
    assert.equal(f.changes, c + 1);
    assert.equal(f.rrset(n, 'A')!.ttl, 300);
  });

  it('compare-and-set: changed since this run read it → conflict, before any change is sent', async () => {
    const n = name('cas');
    f.put(n, 'A', ['192.0.2.5'], 60);
    const previous = await p.read!(ref(n));
    f.put(n, 'A', ['192.0.2.99'], 60);
    const c = f.changes;
    const e = await rejection(p.write(ref(n), { values: ['192.0.2.6'], ttl: 60, previous }));
    assert.equal(e.kind, 'conflict');
    assert.equal(f.changes, c);
    assert.deepEqual(f.lookup(n, 'A'), ['192.0.2.99']);
  });

  it('changed between the read and the change: Google\'s 412 conditionNotMet is a conflict and nothing is written', async () => {
    const n = name('race');
    f.put(n, 'A', ['192.0.2.5'], 60);
    f.changeBeforeNextChange(n, 'A', ['192.0.2.77']);
    const e = await rejection(p.write(ref(n), { values: ['192.0.2.6'], ttl: 60, previous: { values: ['192.0.2.5'], ttl: 60 } }));
    assert.equal(e.kind, 'conflict');
    assert.match(e.message, /conditionNotMet/);
    assert.deepEqual(f.lookup(n, 'A'), ['192.0.2.77']);
  });

  it('a batch change refused with 412 is retried record by record: only the record that moved fails', async () => {
    const names = [name('b1'), name('b2'), name('b3')];
    for (const n of names) f.put(n, 'A', ['192.0.2.5'], 60);
    const previous = await p.readMany!(names.map((n) => ref(n)));
    f.changeBeforeNextChange(names[1]!, 'A', ['192.0.2.77']);
    const results = await p.writeMany!(names.map((n, i) => ({ ref: ref(n), req: { values: ['192.0.2.6'], ttl: 60, previous: previous[i] as { values: string[]; ttl: number } } })));
    assert.deepEqual(results.map((r) => r.ok), [true, false, true]);
    const error = (results[1] as { error: unknown }).error;
    assert.ok(error instanceof ProviderError && error.kind === 'conflict' && error.message.includes(names[1]!), String(error));
    assert.deepEqual(names.map((n) => f.lookup(n, 'A')), [['192.0.2.6'], ['192.0.2.77'], ['192.0.2.6']]);
  });

  it('an unknown managed zone is fatal and names it, never "missing"', async () => {
    const e = await rejection(providerFor(f, 'no-such-zone').read!(ref(`x.${ZONE}`)));
    assert.equal(e.kind, 'fatal');
    assert.match(e.message, /dnsfail-test\/no-such-zone.*notFound/);
  });

  it('credentials: a deleted key is an auth error after one request; the metadata server and a given token work', async () => {
    const before = f.requests();
    const e = await rejection(providerFor(f, 'example-test', { serviceAccountKey: f.unknownKeyJson }).read!(ref(`x.${ZONE}`)));
    assert.equal(e.kind, 'auth');
    assert.equal(f.requests() - before, 1);
    assert.match(e.message, /invalid_grant: Invalid JWT Signature\.; check the service-account key/);

    const meta = createGoogleProvider(googleCloudDnsProvider.configSchema.parse({ type: 'googleclouddns', project: PROJECT, managedZone: 'example-test', metadataServer: true, metadataEndpoint: f.metadataUrl, endpoint: f.url }), ctx);
    const n = name('meta');
    await meta.write(ref(n), { values: ['192.0.2.40'], ttl: 60, previous: null });
    assert.deepEqual(f.lookup(n, 'A'), ['192.0.2.40']);
    assert.equal(f.auth.requests.at(-1)!.headers['metadata-flavor'], 'Google');

    const direct = createGoogleProvider(googleCloudDnsProvider.configSchema.parse({ type: 'googleclouddns', project: PROJECT, managedZone: 'example-test', accessToken: 'ya29.not-issued', endpoint: f.url }), ctx);
    const denied = await rejection(direct.read!(ref(n)));
    assert.equal(denied.kind, 'auth');
    assert.match(denied.message, /HTTP 401 authError/);
  });

  it('the config refuses a key that is not a service-account key, without echoing it', () => {
    const r = googleCloudDnsProvider.configSchema.safeParse({ type: 'googleclouddns', project: PROJECT, managedZone: 'z', serviceAccountKey: '{"type":"authorized_user","refresh_token":"SECRETrefresh"}' });
    assert.equal(r.success, false);
    const text = JSON.stringify(r.error?.issues);
    assert.match(text, /not a service-account key/);
    assert.ok(!text.includes('SECRETrefresh'));
    const two = googleCloudDnsProvider.configSchema.safeParse({ type: 'googleclouddns', project: PROJECT, managedZone: 'z', accessToken: 'x', metadataServer: true });
    assert.match(JSON.stringify(two.error?.issues), /exactly one of/);
  });

  it('a 429 is rate-limited with its Retry-After; a 5xx is transient', async () => {
    f.injectFault({ kind: 'rate-limit', retryAfterS: 3, times: 1 });
    const e = await rejection(p.read!(ref(name('rl'))));
    assert.equal(e.kind, 'rate-limited');
    assert.equal(e.retryAfterMs, 3000);
    f.injectFault({ kind: 'http-5xx', status: 503, times: 1 });
    assert.equal((await rejection(p.read!(ref(name('5xx'))))).kind, 'transient');
  });
});
