import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import azureProvider, { createAzureProvider, type AzureConfig } from '../../providers/azure/index.js';
import type { Provider } from '../../providers/kit/types.js';
import { startAzureFake, type AzureFake } from '../fakes/azure.js';
import { providerContract } from './provider-contract.js';
import { specificsTools } from '../helpers/specifics.js';

// The azure provider against a fake Azure DNS that validates every ARM request and answer against
// Azure's own Swagger description (test/fixtures/api-specs/azure).

const ZONE = 'example.test';
const ctx = { userAgent: 'dnsfail/test (+contract)', baseDir: '/' };
const CREDS = { subscriptionId: '00000000-1111-2222-3333-444444444444', resourceGroup: 'dns-rg', tenantId: 'tenant-1', clientId: 'client-1', clientSecret: 'azure-contract-secret-0123456789' };

const startFake = () => startAzureFake({ ...CREDS, zones: [ZONE, 'other.test'] });
const settingsFor = (fake: AzureFake, extra: Partial<AzureConfig> = {}) => ({
  type: 'azure',
  subscriptionId: CREDS.subscriptionId,
  resourceGroup: CREDS.resourceGroup,
  zone: ZONE,
  tenantId: CREDS.tenantId,
  clientId: CREDS.clientId,
  clientSecret: CREDS.clientSecret,
  endpoint: fake.url,
  loginEndpoint: fake.loginUrl,
  ...extra,
});
const providerFor = (fake: AzureFake, extra: Partial<AzureConfig> = {}): Provider =>
  createAzureProvider(azureProvider.configSchema.parse(settingsFor(fake, extra)), ctx, { timeoutMs: 1000 });

let fake: AzureFake;
providerContract({
  kind: 'azure',
  capabilities: azureProvider.capabilities,
  zone: ZONE,
  start: async () => {
    fake = await startFake();
  },
  stop: async () => {
    console.log(`azure contract: ${fake.arm.requests.length} ARM requests validated against dns.json 2018-05-01`);
    assert.deepEqual(fake.arm.violations, []);
    await fake.close();
  },
  provider: () => providerFor(fake),
  badAuthProvider: () => providerFor(fake, { clientSecret: 'not-the-secret' }),
  settings: () => settingsFor(fake),
  lookup: async (name, type) => fake.lookup(name, type),
  mutations: () => fake.mutations(),
  requests: () => fake.requests(),
  injectFault: (f) => fake.injectFault(f),
});

describe('azure provider against the fake Azure DNS', () => {
  let f: AzureFake;
  let p: Provider;
  const { name, ref, rejection } = specificsTools(ZONE);

  before(async () => {
    f = await startFake();
    p = providerFor(f);
  });
  after(async () => {
    console.log(`azure provider tests: ${f.arm.requests.length} ARM requests validated against dns.json 2018-05-01`);
    assert.deepEqual(f.arm.violations, []);
    await f.close();
  });

  it('creates with If-None-Match: *, replaces with If-Match: <etag>, keeps metadata, and fetches one token for the run', async () => {
    const n = name('wire');
    const from = f.arm.requests.length;
    await p.write(ref(n), { values: ['192.0.2.10'], ttl: 120, previous: null });
    const create = f.arm.requests.slice(from).find((r) => r.method === 'PUT')!;
    assert.equal(create.headers['if-none-match'], '*');
    assert.equal(create.headers['if-match'], undefined);
    assert.deepEqual(create.body, { properties: { TTL: 120, ARecords: [{ ipv4Address: '192.0.2.10' }] } });
    assert.equal(create.path.endsWith(`/dnsZones/${ZONE}/A/${n.slice(0, -ZONE.length - 1)}`), true, create.path);

    f.put(n, 'A', { ...f.set(n, 'A')!.properties, metadata: { owner: 'ops' } });
    const etag = f.set(n, 'A')!.etag;
    const previous = await p.read!(ref(n));
    assert.deepEqual(previous, { values: ['192.0.2.10'], ttl: 120 });
    const mark = f.arm.requests.length;
    await p.write(ref(n), { values: ['192.0.2.20', '192.0.2.21'], ttl: 120, previous });
    const update = f.arm.requests.slice(mark).find((r) => r.method === 'PUT')!;
    assert.equal(update.headers['if-match'], etag);
    assert.deepEqual(f.set(n, 'A')!.properties.metadata, { owner: 'ops' }, 'metadata kept');
    assert.deepEqual(f.lookup(n, 'A'), ['192.0.2.20', '192.0.2.21']);
    assert.equal(f.tokensIssued, 1, 'one token for the whole run');
    for (const r of f.arm.requests.slice(from)) assert.match(String(r.headers.authorization), /^Bearer eyJ/);
  });

  it('the apex is "@"; a CNAME at the name is reported as one; the TTL is read', async () => {
    f.put(ZONE, 'A', { TTL: 300, ARecords: [{ ipv4Address: '192.0.2.1' }] });
    assert.deepEqual(await p.read!(ref(ZONE)), { values: ['192.0.2.1'], ttl: 300 });
    assert.ok(f.arm.requests.some((r) => r.path.endsWith(`/dnsZones/${ZONE}/A/@`)));
    const n = name('alias');
    f.put(n, 'CNAME', { TTL: 300, CNAMERecord: { cname: 'Target.Example.NET.' } });
    assert.deepEqual(await p.read!(ref(n)), { values: [], cname: 'target.example.net' });
    const e = await rejection(p.write(ref(n), { values: ['192.0.2.1'], ttl: 60, previous: null }));
    assert.equal(e.kind, 'fatal');
    assert.match(e.message, /is a CNAME/);
  });

  it('entries it does not understand do not break the read (missing or foreign addresses, no TTL)', async () => {
    const n = name('odd');
    f.put(n, 'A', { ARecords: [{}, { ipv4Address: '2001:db8::1' }, { ipv4Address: '192.0.2.7' }], metadata: { n: 'x' } });
    assert.deepEqual(await p.read!(ref(n)), { values: ['192.0.2.7'] });
  });

  it('an alias record set (targetResourceId) is neither read as missing nor overwritten', async () => {
    const n = name('alias-rs');
    f.put(n, 'A', { TTL: 60, targetResourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ip1' });
    const m = f.mutations();
    assert.match((await rejection(p.read!(ref(n)))).message, /is an alias record set/);
    assert.equal((await rejection(p.write(ref(n), { values: ['192.0.2.1'], ttl: 60, previous: null }))).kind, 'fatal');
    assert.equal(f.mutations(), m);
  });

  it('no write when in sync, TTL included; a TTL change alone is written', async () => {
    const n = name('sync');
    f.put(n, 'A', { TTL: 60, ARecords: [{ ipv4Address: '192.0.2.5' }] });
    const m = f.mutations();
    await p.write(ref(n), { values: ['192.0.2.5'], ttl: 60, previous: { values: ['192.0.2.5'], ttl: 60 } });
    assert.equal(f.mutations(), m);
    await p.write(ref(n), { values: ['192.0.2.5'], ttl: 300, previous: { values: ['192.0.2.5'], ttl: 60 } });
    assert.equal(f.mutations(), m + 1);
    assert.equal(f.set(n, 'A')!.properties.TTL, 300);
  });

  it('compare-and-set: a record changed since this run read it is not overwritten (conflict)', async () => {
    const n = name('cas');
    f.put(n, 'A', { TTL: 60, ARecords: [{ ipv4Address: '192.0.2.5' }] });
    const previous = await p.read!(ref(n));
    f.put(n, 'A', { TTL: 60, ARecords: [{ ipv4Address: '192.0.2.99' }] });
    const e = await rejection(p.write(ref(n), { values: ['192.0.2.6'], ttl: 60, previous }));
    assert.equal(e.kind, 'conflict');
    assert.deepEqual(f.lookup(n, 'A'), ['192.0.2.99']);
  });

  it('a 412 from Azure (changed between its GET and its PUT) is a conflict, and nothing is overwritten', async () => {
    const n = name('race');
    f.put(n, 'A', { TTL: 60, ARecords: [{ ipv4Address: '192.0.2.5' }] });
    f.changeBeforeNextPut();
    const e = await rejection(p.write(ref(n), { values: ['192.0.2.6'], ttl: 60, previous: { values: ['192.0.2.5'], ttl: 60 } }));
    assert.equal(e.kind, 'conflict');
    assert.match(e.message, /PreconditionFailed/);
    assert.deepEqual(f.lookup(n, 'A'), ['192.0.2.5']);
  });

  it('an unknown zone or resource group is a fatal error naming them, not "missing"', async () => {
    const bad = providerFor(f, { resourceGroup: 'nope' });
    const e = await rejection(bad.read!(ref(`x.${ZONE}`)));
    assert.equal(e.kind, 'fatal');
    assert.match(e.message, /ResourceGroupNotFound/);
    const outside = await rejection(p.read!(ref('x.elsewhere.test')));
    assert.match(outside.message, /not inside Azure DNS zone example\.test/);
  });

  it('a rejected secret: one request, an auth error naming the fix, without the secret', async () => {
    const before = f.requests();
    const e = await rejection(providerFor(f, { clientSecret: 'wrong-secret-abcdef' }).read!(ref(`x.${ZONE}`)));
    assert.equal(e.kind, 'auth');
    assert.equal(f.requests() - before, 1);
    assert.match(e.message, /AADSTS7000215.*check tenantId, clientId and clientSecret/);
    assert.ok(!e.message.includes('wrong-secret-abcdef'));
  });

  it('managed identity: the token comes from IMDS with Metadata: true', async () => {
    const mi = createAzureProvider(
      azureProvider.configSchema.parse({ type: 'azure', subscriptionId: CREDS.subscriptionId, resourceGroup: CREDS.resourceGroup, zone: ZONE, managedIdentity: true, identityEndpoint: f.identityUrl, endpoint: f.url }),
      ctx,
    );
    const n = name('mi');
    await mi.write(ref(n), { values: ['192.0.2.30'], ttl: 60, previous: null });
    assert.deepEqual(f.lookup(n, 'A'), ['192.0.2.30']);
    const imds = f.login.requests.filter((r) => r.path === '/metadata/identity/oauth2/token').at(-1)!;
    assert.equal(imds.headers.metadata, 'true');
  });

  it('doctor: checkWrite proves write permission with a PUT that cannot match, and changes nothing', async () => {
    const n = name('doctor');
    f.put(n, 'A', { TTL: 60, ARecords: [{ ipv4Address: '192.0.2.5' }] });
    const before = f.set(n, 'A')!;
    await p.checkWrite!(ref(n));
    assert.deepEqual(f.set(n, 'A'), before);
    await p.checkWrite!(ref(name('doctor-missing')));
  });

  it('a 429 carries Retry-After as rate-limited', async () => {
    f.injectFault({ kind: 'rate-limit', retryAfterS: 7, times: 1 });
    const e = await rejection(p.read!(ref(name('rl'))));
    assert.equal(e.kind, 'rate-limited');
    assert.equal(e.retryAfterMs, 7000);
  });

  it('a malformed answer is transient, never a stack', async () => {
    const n = name('malformed');
    f.put(n, 'A', { TTL: 60, ARecords: [{ ipv4Address: '192.0.2.5' }] });
    f.garbleNextAnswer();
    const e = await rejection(p.read!(ref(n)));
    assert.equal(e.kind, 'transient');
    assert.match(e.message, /not JSON/);
  });
});
