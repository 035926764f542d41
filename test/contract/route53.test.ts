import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import { withRetry } from '../../providers/kit/retry.js';
import route53Provider, { createRoute53Provider, type Route53Deps } from '../../providers/route53/index.js';
import type { Provider } from '../../providers/kit/types.js';
import { runOnce } from '../../src/app/run-once.js';
import type { Config } from '../../src/config/types.js';
import { emptyState, type StateFile } from '../../src/state/store.js';
import { FAKE_CREDENTIALS, itConformsToTheServiceModel, startFakeRoute53, type FakeRoute53, type FakeZone } from '../fakes/route53.js';
import { providerContract, recordFor } from './provider-contract.js';
import { txtFromPresentation } from '../helpers/dig.js';

const ZONE = 'example.test';
const ctx = { userAgent: 'dnsfail/test (+contract)', baseDir: '/' };
/** No real ~/.aws and no real AWS_* variables may leak into these tests. */
const EMPTY_HOME = mkdtempSync(join(tmpdir(), 'dnsfail-r53-home-'));
const ENV_CREDS = { AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey };

function make(fake: FakeRoute53, settings: Record<string, unknown>, deps: Route53Deps = {}): Provider {
  const config = route53Provider.configSchema.parse({ type: 'route53', endpoint: fake.url, ...settings });
  return createRoute53Provider(config, ctx, { env: ENV_CREDS, homeDir: EMPTY_HOME, timeoutMs: 1000, waitIntervalMs: 5, ...deps });
}

// ---------------------------------------------------------------- the shared contract
{
  let fake: FakeRoute53;
  let zone: FakeZone;
  const settings = () => ({ type: 'route53', endpoint: fake.url, hostedZoneId: zone.id });
  providerContract({
    kind: 'route53',
    capabilities: route53Provider.capabilities,
    zone: ZONE,
    start: async () => {
      fake = await startFakeRoute53();
      zone = fake.addZone(ZONE);
    },
    stop: async () => {
      await fake.close();
      assert.deepEqual(fake.violations, [], 'requests off the Route 53 service model');
    },
    provider: () => make(fake, { hostedZoneId: zone.id }),
    badAuthProvider: () => make(fake, { hostedZoneId: zone.id }, { env: { ...ENV_CREDS, AWS_SECRET_ACCESS_KEY: 'wrong/secret/wrong/secret/wrong/secret00' } }),
    settings,
    lookup: async (name, type) => fake.getRrset(zone.id, name, type)?.values.map((v) => (type === 'TXT' ? txtFromPresentation(v) : v)) ?? null,
    mutations: () => fake.mutations,
    requests: () => fake.requests.length,
    injectFault: (f) => fake.injectFault(f),
  });
}

// ---------------------------------------------------------------- Route 53 specifics
const FAST = { minDelayMs: 10, maxDelayMs: 30 };
const ref = (name: string, type: 'A' | 'AAAA' = 'A') => ({ name, type });
const isKind = (kind: string) => (e: unknown) => e instanceof ProviderError && e.kind === kind;

describe('route53 provider against the fake', () => {
  let fake: FakeRoute53;
  let zone: FakeZone;
  let p: Provider;
  before(async () => {
    fake = await startFakeRoute53({ pendingPolls: 2 });
    zone = fake.addZone(ZONE);
  });
  after(() => fake.close());
  beforeEach(() => {
    p = make(fake, { hostedZoneId: zone.id });
  });

  it('signs every request (the fake verifies SigV4) and sends the User-Agent', async () => {
    const before = fake.requests.length;
    await p.write(ref('signed.example.test'), { values: ['192.0.2.1'], ttl: 60, previous: null });
    const seen = fake.requests.slice(before);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.status, 200);
    assert.match(String(seen[0]!.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIAFAKEROUTE53TEST1\/\d{8}\/us-east-1\/route53\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/);
    assert.equal(seen[0]!.headers['user-agent'], ctx.userAgent);
    assert.match(seen[0]!.raw, /<ChangeResourceRecordSetsRequest xmlns="https:\/\/route53\.amazonaws\.com\/doc\/2013-04-01\/">/);
  });

  it('read: the listing starts at the first name ≥ the one asked for, so a neighbour is not mistaken for the record', async () => {
    fake.setRrset(zone.id, { name: 'b-neighbour.example.test', type: 'A', ttl: 60, values: ['192.0.2.7'] });
    fake.setRrset(zone.id, { name: 'aaaa-only.example.test', type: 'AAAA', ttl: 60, values: ['2001:db8::7'] });
    assert.equal(await p.read!(ref('a-missing.example.test')), null);
    assert.equal(await p.read!(ref('aaaa-only.example.test', 'A')), null, 'same name, other type');
    assert.deepEqual(await p.read!(ref('b-neighbour.example.test')), { values: ['192.0.2.7'], ttl: 60 });
  });

  it('read: a wildcard comes back escaped as \\052 and still matches', async () => {
    fake.setRrset(zone.id, { name: '*.wild.example.test', type: 'A', ttl: 30, values: ['192.0.2.8'] });
    assert.deepEqual(await p.read!(ref('*.wild.example.test')), { values: ['192.0.2.8'], ttl: 30 });
    const list = fake.requests.at(-1)!;
    assert.match(list.url, /name=%2A\.wild\.example\.test\.&type=A&maxitems=1$/);
  });

  it('read: a CNAME at the name is reported with its target, for A and AAAA, alone or in a batch', async () => {
    fake.setRrset(zone.id, { name: 'www.example.test', type: 'CNAME', ttl: 60, values: ['App.Example.Net.'] });
    assert.deepEqual(await p.read!(ref('www.example.test')), { values: [], cname: 'app.example.net' });
    assert.deepEqual(await p.read!(ref('www.example.test', 'AAAA')), { values: [], cname: 'app.example.net' });
    const many = await p.readMany!([ref('a-first.example.test'), ref('www.example.test'), ref('zz-last.example.test')]);
    assert.deepEqual(many, [null, { values: [], cname: 'app.example.net' }, null]);
  });

  it('read: alias and weighted records are refused, not misread', async () => {
    fake.setRrset(zone.id, { name: 'alias.example.test', type: 'A', values: [], aliasTarget: 'd111111abcdef8.cloudfront.net.' });
    fake.setRrset(zone.id, { name: 'weighted.example.test', type: 'A', ttl: 60, values: ['192.0.2.9'], setIdentifier: 'dc1' });
    await assert.rejects(p.read!(ref('alias.example.test')), (e: unknown) => isKind('fatal')(e) && /alias record/.test((e as Error).message));
    await assert.rejects(p.read!(ref('weighted.example.test')), (e: unknown) => isKind('fatal')(e) && /routing policy/.test((e as Error).message));
  });

  it('write: one batch [DELETE old exactly, CREATE new]', async () => {
    const n = 'batch.example.test';
    fake.setRrset(zone.id, { name: n, type: 'A', ttl: 300, values: ['192.0.2.1', '192.0.2.2'] });
    const previous = await p.read!(ref(n));
    await p.write(ref(n), { values: ['192.0.2.3'], ttl: 60, previous });
    const body = fake.requests.at(-1)!.raw;
    assert.match(body, /<Action>DELETE<\/Action><ResourceRecordSet><Name>batch\.example\.test\.<\/Name><Type>A<\/Type><TTL>300<\/TTL><ResourceRecords><ResourceRecord><Value>192\.0\.2\.1<\/Value><\/ResourceRecord><ResourceRecord><Value>192\.0\.2\.2<\/Value>/);
    assert.match(body, /<Action>CREATE<\/Action><ResourceRecordSet><Name>batch\.example\.test\.<\/Name><Type>A<\/Type><TTL>60<\/TTL>/);
    assert.deepEqual(fake.getRrset(zone.id, n, 'A'), { name: `${n}.`, type: 'A', ttl: 60, values: ['192.0.2.3'] });
  });

  it('write: a TTL-only change is written; values and TTL already right: no request', async () => {
    const n = 'ttl.example.test';
    await p.write(ref(n), { values: ['192.0.2.1'], ttl: 60, previous: null });
    await p.write(ref(n), { values: ['192.0.2.1'], ttl: 30, previous: { values: ['192.0.2.1'], ttl: 60 } });
    assert.equal(fake.getRrset(zone.id, n, 'A')?.ttl, 30);
    const before = fake.requests.length;
    await p.write(ref(n), { values: ['192.0.2.1'], ttl: 30, previous: { values: ['192.0.2.1'], ttl: 30 } });
    assert.equal(fake.requests.length, before);
  });

  it('a concurrent change between read and write is a conflict, not an overwrite; the next run re-reads and converges', async () => {
    const n = 'race.example.test';
    fake.setRrset(zone.id, { name: n, type: 'A', ttl: 60, values: ['192.0.2.10'] });
    // Someone else moves the record right after our read.
    const racing: Provider = {
      read: async (r) => {
        const got = await p.read!(r);
        fake.setRrset(zone.id, { name: n, type: 'A', ttl: 60, values: ['198.51.100.99'] });
        return got;
      },
      write: (r, w) => p.write(r, w),
    };
    const record = recordFor(n, 'A', ['192.0.2.10', '192.0.2.20']);
    const config: Config = { source: 'test', baseDir: '/', providers: { p: { id: 'p', kind: 'route53', factory: {} as never, settings: {} } }, records: [record], notify: [] };
    const probe = async (t: { address: string }[]) => t.map((x) => ({ healthy: x.address === '192.0.2.20', latencyMs: 1 }));
    const r1 = await runOnce(config, emptyState(), { providers: { p: racing }, probe }, { dryRun: false });
    const rec1 = r1.report.records[0]!;
    assert.equal(rec1.outcome, 'error');
    assert.match(String(rec1.error), /changed in Route 53 since it was read; not overwriting/);
    assert.deepEqual(fake.getRrset(zone.id, n, 'A')?.values, ['198.51.100.99'], 'the other writer\'s value stands');

    const r2 = await runOnce(config, r1.state as StateFile, { providers: { p }, probe }, { dryRun: false });
    assert.equal(r2.report.records[0]!.written, true, r2.report.records[0]!.error);
    assert.deepEqual(r2.report.records[0]!.current, ['198.51.100.99'], 'the second run read the new value');
    assert.deepEqual(fake.getRrset(zone.id, n, 'A')?.values, ['192.0.2.20']);
  });

  it('a batch that was applied but whose answer was lost: the retry finds the record already right', async () => {
    const n = 'lost.example.test';
    fake.setRrset(zone.id, { name: n, type: 'A', ttl: 60, values: ['192.0.2.20'] });
    await p.write(ref(n), { values: ['192.0.2.20'], ttl: 60, previous: { values: ['192.0.2.10'], ttl: 60 } });
    assert.deepEqual(fake.getRrset(zone.id, n, 'A')?.values, ['192.0.2.20']);
  });

  it('a record created by someone else after we read "missing" is a conflict', async () => {
    const n = 'created-meanwhile.example.test';
    fake.setRrset(zone.id, { name: n, type: 'A', ttl: 60, values: ['198.51.100.1'] });
    await assert.rejects(p.write(ref(n), { values: ['192.0.2.1'], ttl: 60, previous: null }), isKind('conflict'));
    assert.deepEqual(fake.getRrset(zone.id, n, 'A')?.values, ['198.51.100.1']);
  });

  it('Throttling (400, no Retry-After) is rate-limited and retried with backoff', async () => {
    fake.injectError('Throttling', 2);
    const before = fake.requests.length;
    assert.equal(await withRetry(() => p.read!(ref('throttled.example.test')), FAST), null);
    assert.equal(fake.requests.length - before, 3);
    assert.deepEqual(fake.requests.slice(before).map((r) => r.status), [400, 400, 200]);

    fake.injectError('Throttling', 10);
    await assert.rejects(withRetry(() => p.read!(ref('throttled.example.test')), { ...FAST, retries: 2 }), (e: unknown) => isKind('rate-limited')(e) && /HTTP 400 Throttling: Rate exceeded/.test((e as Error).message) && (e as ProviderError).retryAfterMs === undefined);
    fake.injectError('Throttling', 0);
  });

  it('PriorRequestNotComplete on a change is rate-limited and the retried write succeeds', async () => {
    fake.injectError('PriorRequestNotComplete', 1, 'change');
    await withRetry(() => p.write(ref('busy.example.test'), { values: ['192.0.2.5'], ttl: 60, previous: null }), FAST);
    assert.deepEqual(fake.getRrset(zone.id, 'busy.example.test', 'A')?.values, ['192.0.2.5']);
  });

  it('AccessDenied is an auth error naming the missing permission, never retried', async () => {
    fake.injectError('AccessDenied', 1);
    const before = fake.requests.length;
    await assert.rejects(withRetry(() => p.read!(ref('denied.example.test')), FAST), (e: unknown) => isKind('auth')(e) && /AccessDenied/.test((e as Error).message));
    assert.equal(fake.requests.length - before, 1);
  });

  it('an unknown hosted zone id is fatal (NoSuchHostedZone)', async () => {
    const bad = make(fake, { hostedZoneId: 'Z999NOSUCHZONE' });
    await assert.rejects(bad.read!(ref('x.example.test')), (e: unknown) => isKind('fatal')(e) && /404 NoSuchHostedZone/.test((e as Error).message));
  });

  it('an invalid change (name outside the zone) is fatal, not a conflict', async () => {
    await assert.rejects(p.write(ref('app.other.test'), { values: ['192.0.2.1'], ttl: 60, previous: null }), (e: unknown) => isKind('fatal')(e) && /not permitted in zone/.test((e as Error).message));
  });

  it('wait: false makes no GetChange call; wait: true polls until INSYNC', async () => {
    const polls0 = fake.changePolls;
    await p.write(ref('nowait.example.test'), { values: ['192.0.2.1'], ttl: 60, previous: null });
    assert.equal(fake.changePolls, polls0);
    const waiting = make(fake, { hostedZoneId: zone.id, wait: true });
    await waiting.write(ref('wait.example.test'), { values: ['192.0.2.1'], ttl: 60, previous: null });
    assert.equal(fake.changePolls - polls0, 3, 'PENDING, PENDING, INSYNC');
  });

  it('wait: true gives up after its bound with an error that says the change still applies', async () => {
    const slow = await startFakeRoute53({ pendingPolls: 1000 });
    try {
      const z = slow.addZone(ZONE);
      const waiting = make(slow, { hostedZoneId: z.id, wait: true }, { waitIntervalMs: 10, waitTimeoutMs: 100 });
      const t0 = performance.now();
      await assert.rejects(waiting.write(ref('slow.example.test'), { values: ['192.0.2.1'], ttl: 60, previous: null }), (e: unknown) => isKind('fatal')(e) && /not INSYNC after .* it will still apply/.test((e as Error).message));
      assert.ok(slow.changePolls >= 2 && slow.changePolls <= 10, `${slow.changePolls} polls`);
      assert.ok(performance.now() - t0 < 1000, 'bounded by waitTimeoutMs');
      assert.deepEqual(slow.violations, []);
    } finally {
      await slow.close();
    }
  });
  itConformsToTheServiceModel(() => fake);
});

describe('route53: hosted zone found by name', () => {
  let fake: FakeRoute53;
  let pub: FakeZone;
  let priv: FakeZone;
  before(async () => {
    fake = await startFakeRoute53();
    fake.addZone('aaa.test');
    priv = fake.addZone(ZONE, { privateZone: true });
    pub = fake.addZone(ZONE);
    fake.addZone(`sub.${ZONE}`);
    fake.addZone('zzz.test');
  });
  after(() => fake.close());

  it('picks the public zone of exactly that name, and looks it up once', async () => {
    const p = make(fake, { zone: ZONE });
    await p.write(ref('byname.example.test'), { values: ['192.0.2.1'], ttl: 60, previous: null });
    assert.deepEqual(fake.getRrset(pub.id, 'byname.example.test', 'A')?.values, ['192.0.2.1']);
    assert.equal(fake.getRrset(priv.id, 'byname.example.test', 'A'), undefined);
    await p.read!(ref('byname.example.test'));
    assert.equal(fake.requests.filter((r) => r.url.startsWith('/2013-04-01/hostedzonesbyname?dnsname=example.test')).length, 1);
  });

  it('privateZone: true picks the private one', async () => {
    const p = make(fake, { zone: `${ZONE}.`, privateZone: true });
    await p.write(ref('private.example.test'), { values: ['10.0.0.1'], ttl: 60, previous: null });
    assert.deepEqual(fake.getRrset(priv.id, 'private.example.test', 'A')?.values, ['10.0.0.1']);
  });

  it('an unknown zone name, or a record outside the zone, is fatal', async () => {
    await assert.rejects(make(fake, { zone: 'nosuch.test' }).read!(ref('a.nosuch.test')), (e: unknown) => isKind('fatal')(e) && /no public hosted zone named nosuch\.test/.test((e as Error).message));
    const before = fake.requests.length;
    await assert.rejects(make(fake, { zone: ZONE }).read!(ref('app.elsewhere.test')), (e: unknown) => isKind('fatal')(e) && /not inside hosted zone/.test((e as Error).message));
    assert.equal(fake.requests.length, before, 'refused before any request');
  });

  it('two public zones of the same name: asks for hostedZoneId', async () => {
    const twin = await startFakeRoute53();
    try {
      twin.addZone(ZONE);
      twin.addZone(ZONE);
      await assert.rejects(make(twin, { zone: ZONE }).read!(ref('a.example.test')), (e: unknown) => isKind('fatal')(e) && /several public hosted zones .* set hostedZoneId/.test((e as Error).message));
      assert.deepEqual(twin.violations, []);
    } finally {
      await twin.close();
    }
  });
  itConformsToTheServiceModel(() => fake);
});

describe('route53: credentials', () => {
  let fake: FakeRoute53;
  let zone: FakeZone;
  const SESSION = { accessKeyId: 'ASIAFAKESESSION00001', secretAccessKey: 'session/Secret+0123456789abcdefABCDEFGH', sessionToken: 'FwoGZXIvYXdzEFAKETOKEN//////////0123456789' };
  before(async () => {
    fake = await startFakeRoute53({ credentials: [FAKE_CREDENTIALS, SESSION], expiredTokens: ['EXPIRED-TOKEN-0123456789'] });
    zone = fake.addZone(ZONE);
  });
  after(() => fake.close());
  const lastKeyId = () => /Credential=([^/]+)\//.exec(String(fake.requests.at(-1)!.headers.authorization))?.[1];
  const home = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-r53-creds-'));
    for (const [name, text] of Object.entries(files)) {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
    return dir;
  };

  it('from env, with a session token', async () => {
    const p = make(fake, { hostedZoneId: zone.id }, { env: { AWS_ACCESS_KEY_ID: SESSION.accessKeyId, AWS_SECRET_ACCESS_KEY: SESSION.secretAccessKey, AWS_SESSION_TOKEN: SESSION.sessionToken } });
    assert.equal(await p.read!(ref('env.example.test')), null);
    assert.equal(lastKeyId(), SESSION.accessKeyId);
    assert.equal(fake.requests.at(-1)!.headers['x-amz-security-token'], SESSION.sessionToken);
    assert.match(String(fake.requests.at(-1)!.headers.authorization), /SignedHeaders=host;x-amz-date;x-amz-security-token,/);
  });

  it('from the default profile in ~/.aws/credentials (temp HOME)', async () => {
    const dir = home({ '.aws/credentials': `# test\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = nope\n\n[default]\naws_access_key_id = ${FAKE_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${FAKE_CREDENTIALS.secretAccessKey}\n` });
    const p = make(fake, { hostedZoneId: zone.id }, { env: { HOME: dir }, homeDir: undefined });
    assert.equal(await p.read!(ref('profile.example.test')), null);
    assert.equal(lastKeyId(), FAKE_CREDENTIALS.accessKeyId);
  });

  it('from a named profile in $AWS_SHARED_CREDENTIALS_FILE, chosen by config or AWS_PROFILE; ~/.aws/config too', async () => {
    const dir = home({
      'creds.ini': `[dnsfail]\naws_access_key_id=${SESSION.accessKeyId}\naws_secret_access_key=${SESSION.secretAccessKey}\naws_session_token=${SESSION.sessionToken}\n`,
      '.aws/config': `[profile cfg]\nregion = eu-west-1\naws_access_key_id = ${FAKE_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${FAKE_CREDENTIALS.secretAccessKey}\n`,
    });
    const env = { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'creds.ini'), ...ENV_CREDS };
    await make(fake, { hostedZoneId: zone.id, profile: 'dnsfail' }, { env, homeDir: dir }).read!(ref('named.example.test'));
    assert.equal(lastKeyId(), SESSION.accessKeyId, 'an explicit profile beats env keys');
    await make(fake, { hostedZoneId: zone.id }, { env: { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'creds.ini'), AWS_PROFILE: 'dnsfail' }, homeDir: dir }).read!(ref('named.example.test'));
    assert.equal(lastKeyId(), SESSION.accessKeyId);
    await make(fake, { hostedZoneId: zone.id, profile: 'cfg' }, { env: {}, homeDir: dir }).read!(ref('named.example.test'));
    assert.equal(lastKeyId(), FAKE_CREDENTIALS.accessKeyId);
  });

  it('config keys come first', async () => {
    const p = make(fake, { hostedZoneId: zone.id, accessKeyId: SESSION.accessKeyId, secretAccessKey: SESSION.secretAccessKey, sessionToken: SESSION.sessionToken });
    await p.read!(ref('cfg.example.test'));
    assert.equal(lastKeyId(), SESSION.accessKeyId);
  });

  it('missing everywhere: an auth error at first use naming the places looked, and no request', async () => {
    const before = fake.requests.length;
    const p = make(fake, { hostedZoneId: zone.id }, { env: {} });
    await assert.rejects(withRetry(() => p.read!(ref('none.example.test')), FAST), (e: unknown) => {
      const m = (e as Error).message;
      return isKind('auth')(e) && /no AWS credentials found/.test(m) && /AWS_ACCESS_KEY_ID/.test(m) && m.includes(join(EMPTY_HOME, '.aws', 'credentials'));
    });
    assert.equal(fake.requests.length, before);
  });

  it('a profile that uses role_arn/sso is named as unsupported', async () => {
    const dir = home({ '.aws/config': '[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n' });
    await assert.rejects(make(fake, { hostedZoneId: zone.id, profile: 'sso' }, { env: {}, homeDir: dir }).read!(ref('a.example.test')), (e: unknown) => isKind('auth')(e) && /uses sso_session, which dnsfail does not support/.test((e as Error).message));
  });

  it('unknown key id, wrong secret, expired token: auth errors that never carry the secret or the Authorization header', async () => {
    const cases = [
      { env: { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWN000000000', AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey }, code: 'InvalidClientTokenId' },
      { env: { ...ENV_CREDS, AWS_SECRET_ACCESS_KEY: 'Wrong+Secret/0123456789abcdefghijklmnop' }, code: 'SignatureDoesNotMatch' },
      { env: { AWS_ACCESS_KEY_ID: SESSION.accessKeyId, AWS_SECRET_ACCESS_KEY: SESSION.secretAccessKey, AWS_SESSION_TOKEN: 'EXPIRED-TOKEN-0123456789' }, code: 'ExpiredToken' },
    ];
    for (const c of cases) {
      const err = await make(fake, { hostedZoneId: zone.id }, { env: c.env })
        .write(ref('secret.example.test'), { values: ['192.0.2.1'], ttl: 60, previous: null })
        .then(() => assert.fail('should fail'), (e: unknown) => e);
      assert.ok(isKind('auth')(err), String(err));
      const text = `${(err as Error).message} ${JSON.stringify(err)} ${String((err as Error).stack)}`;
      assert.match(text, new RegExp(`HTTP 403 ${c.code}`));
      for (const secret of [c.env.AWS_SECRET_ACCESS_KEY, 'EXPIRED-TOKEN-0123456789', 'AWS4-HMAC-SHA256', 'Signature=']) assert.ok(!text.includes(secret), `error leaks ${secret}`);
    }
  });

  it('the secret never reaches a run report', async () => {
    const secret = 'Leaky+Secret/0123456789abcdefghijklmnop';
    const p = make(fake, { hostedZoneId: zone.id }, { env: { ...ENV_CREDS, AWS_SECRET_ACCESS_KEY: secret } });
    const record = recordFor('report.example.test', 'A', ['192.0.2.10']);
    const config: Config = { source: 'test', baseDir: '/', providers: { p: { id: 'p', kind: 'route53', factory: {} as never, settings: {} } }, records: [record], notify: [] };
    const r = await runOnce(config, emptyState(), { providers: { p }, probe: async (t) => t.map(() => ({ healthy: true, latencyMs: 1 })) }, { dryRun: false });
    const text = JSON.stringify(r);
    assert.match(text, /SignatureDoesNotMatch/);
    assert.ok(!text.includes(secret));
  });
  itConformsToTheServiceModel(() => fake);
});
