import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDyndns2Provider, dyndns2ConfigSchema, dyndns2Provider } from '../../providers/dyndns2/index.js';
import { basicAuth } from '../../providers/dyndns2/api.js';
import { ProviderError } from '../../providers/kit/errors.js';
import { withRetry } from '../../providers/kit/retry.js';
import type { Provider } from '../../providers/kit/types.js';
import { runOnce } from '../../src/app/run-once.js';
import { reportToJson } from '../../src/cli/render.js';
import type { Config } from '../../src/config/types.js';
import type { ProbeTarget } from '../../src/health/types.js';
import { emptyState, type StateFile } from '../../src/state/store.js';
import { startFakeDyndns2, type Dyndns2Service, type FakeAccount, type FakeDyndns2, type FakeDyndns2Options } from '../fakes/dyndns2.js';
import { providerContract, recordFor } from './provider-contract.js';

// DynDNS2 is write-only: the contract's read-backs go to the fake's store (lookup), and every
// /nic/update counts as a mutating request, whatever it answers.
const ZONE = 'dyn.example.test';
const USER = 'alice@example.test';
const PASSWORD = 'Zq8-dyndns-contract-secret';
const ctx = { userAgent: 'dnsfail/0.1.0 (+https://github.com/dnsfail/dnsfail)', baseDir: '/' };
const FAST = { minDelayMs: 20, maxDelayMs: 50 };
const account: FakeAccount = { username: USER, password: PASSWORD, zones: [ZONE] };

const settingsFor = (fake: FakeDyndns2, extra: Record<string, unknown> = {}) => ({
  type: 'dyndns2',
  preset: 'dyn',
  endpoint: fake.url,
  username: USER,
  password: PASSWORD,
  ...extra,
});
const providerFor = (settings: Record<string, unknown>, userAgent = ctx.userAgent) =>
  createDyndns2Provider(dyndns2ConfigSchema.parse(settings), { ...ctx, userAgent }, { timeoutMs: 500 });
const updates = (fake: FakeDyndns2) => fake.requests.filter((r) => r.path === '/nic/update').length;

let contractFake: FakeDyndns2;
providerContract({
  kind: 'dyndns2',
  capabilities: dyndns2Provider.capabilities,
  zone: ZONE,
  start: async () => {
    contractFake = await startFakeDyndns2({ accounts: [account] });
  },
  stop: () => contractFake.close(),
  provider: () => providerFor(settingsFor(contractFake)),
  badAuthProvider: () => providerFor(settingsFor(contractFake, { password: 'wrong-password' })),
  settings: () => settingsFor(contractFake),
  lookup: async (name, type) => (type === 'TXT' ? null : contractFake.lookup(name, type)),
  mutations: () => updates(contractFake),
  requests: () => contractFake.requests.length,
  injectFault: (f) => contractFake.injectFault(f),
});

// ---------------------------------------------------------------------------------------------
// Through the engine: lockouts, backoffs, no nochg, no leaked secret.

let seq = 0;
const hostname = (label: string) => `${label}-${++seq}.${ZONE}`;
/** 192.0.2.10 is down, 192.0.2.20 up: the engine wants 192.0.2.20. */
const probe = async (t: ProbeTarget[]) => t.map((x) => ({ healthy: x.address === '192.0.2.20', latencyMs: 1 }));

function configFor(name: string, settings: unknown, type: 'A' | 'AAAA' = 'A'): Config {
  const addresses = type === 'A' ? ['192.0.2.10', '192.0.2.20'] : ['2001:db8::10', '2001:db8::20'];
  return {
    source: 'test',
    baseDir: '/',
    providers: { p: { id: 'p', kind: 'dyndns2', factory: dyndns2Provider, settings } },
    records: [recordFor(name, type, addresses)],
    notify: [],
  };
}

interface Run {
  report: Awaited<ReturnType<typeof runOnce>>['report'];
  state: StateFile;
  requests: number;
}

async function startFake(opts: Partial<FakeDyndns2Options> = {}): Promise<FakeDyndns2> {
  return startFakeDyndns2({ accounts: [{ ...account }], ...opts });
}

describe('dyndns2 through the engine', () => {
  let fake: FakeDyndns2;
  const fakes: FakeDyndns2[] = [];
  before(async () => {
    fake = await startFake();
    fakes.push(fake);
  });
  after(async () => {
    for (const f of fakes) await f.close();
  });

  const run = async (config: Config, state: StateFile, p: Provider, at = new Date(), on = fake): Promise<Run> => {
    const before = on.requests.length;
    const r = await runOnce(config, state, { providers: { p }, probe, now: () => at }, { dryRun: false });
    return { ...r, requests: on.requests.length - before };
  };

  it('sends GET /nic/update with hostname, myip, Basic auth and the User-Agent', async () => {
    const name = hostname('wire');
    await providerFor(settingsFor(fake)).write({ name, type: 'A' }, { values: ['192.0.2.20'], ttl: 60, previous: null });
    const seen = fake.requests.at(-1)!;
    assert.equal(seen.method, 'GET');
    assert.equal(seen.path, '/nic/update');
    assert.deepEqual(seen.query, { hostname: name, myip: '192.0.2.20' });
    assert.equal(seen.headers.authorization, basicAuth(USER, PASSWORD));
    assert.equal(seen.headers['user-agent'], ctx.userAgent);
    assert.equal(seen.answer, 'good 192.0.2.20');
  });

  it('badauth locks the record out: the second run makes no request; editing the provider settings lifts it', async () => {
    const name = hostname('badauth');
    const bad = settingsFor(fake, { password: 'wrong-password' });
    const r1 = await run(configFor(name, bad), emptyState(), providerFor(bad));
    assert.equal(r1.requests, 1, 'never retried within the run');
    const rec1 = r1.report.records[0]!;
    assert.equal(rec1.outcome, 'error');
    assert.match(rec1.error!, /badauth/);
    assert.match(rec1.error!, /dnsfail unlock/);
    assert.equal(Object.values(r1.state.holds ?? {})[0]?.code, 'badauth');

    const r2 = await run(configFor(name, bad), r1.state, providerFor(bad));
    assert.equal(r2.requests, 0, 'no request while locked out');
    assert.equal(r2.report.records[0]!.outcome, 'error');
    assert.match(r2.report.records[0]!.error!, /locked out .*badauth/);
    assert.equal(r2.report.exitCode, 1);

    const good = settingsFor(fake);
    const r3 = await run(configFor(name, good), r2.state, providerFor(good));
    assert.equal(r3.requests, 1);
    assert.equal(r3.report.records[0]!.written, true, r3.report.records[0]!.error);
    assert.deepEqual(fake.lookup(name, 'A'), ['192.0.2.20']);
    assert.equal(r3.state.holds, undefined);
  });

  it('Dyn\'s "request ignored" (good 127.0.0.1) fails the run, records nothing, and is retried next run', async () => {
    const name = hostname('ignored');
    const settings = settingsFor(fake);
    fake.injectAnswer('good 127.0.0.1');
    const r1 = await run(configFor(name, settings), emptyState(), providerFor(settings));
    const rec1 = r1.report.records[0]!;
    assert.equal(rec1.outcome, 'error');
    assert.match(rec1.error!, /answered good 127\.0\.0\.1 but 192\.0\.2\.20 was sent/);
    assert.equal(r1.report.exitCode, 1);
    assert.equal(r1.state.records[`${name}/A`]?.published, undefined, 'the sent address is not recorded');
    assert.equal(r1.state.holds, undefined, 'not a lockout');

    const r2 = await run(configFor(name, settings), r1.state, providerFor(settings));
    assert.equal(r2.report.records[0]!.written, true, r2.report.records[0]!.error);
    assert.deepEqual(r2.state.records[`${name}/A`]?.published, ['192.0.2.20']);
  });

  it('HTTP 401 (No-IP style) is a badauth lockout too', async () => {
    const f401 = await startFake({ badauthAs401: true });
    fakes.push(f401);
    const p = providerFor(settingsFor(f401, { preset: 'noip', password: 'wrong-password' }));
    await assert.rejects(
      withRetry(() => p.write({ name: hostname('h401'), type: 'A' }, { values: ['192.0.2.20'], ttl: 60, previous: null }), FAST),
      (e: unknown) => e instanceof ProviderError && e.kind === 'lockout' && e.code === 'badauth',
    );
    assert.equal(f401.requests.length, 1);
    assert.equal(f401.requests[0]!.status, 401);
  });

  it('911 backs off 10 minutes across runs (No-IP: 30), then updates', async () => {
    const name = hostname('outage');
    const settings = settingsFor(fake);
    const p = providerFor(settings);
    const t0 = new Date('2030-01-01T00:00:00Z');
    const min = (m: number) => new Date(t0.getTime() + m * 60_000);
    fake.injectAnswer('911');
    const r1 = await run(configFor(name, settings), emptyState(), p, t0);
    assert.equal(r1.requests, 1, 'a 10-minute wait is not taken within the run');
    assert.match(r1.report.records[0]!.error!, /backing off for 10m \(until 2030-01-01T00:10:00\.000Z\): write failed: .*answered 911/);
    const r2 = await run(configFor(name, settings), r1.state, p, min(9));
    assert.equal(r2.requests, 0, 'no request within 10 minutes');
    const r3 = await run(configFor(name, settings), r2.state, p, min(11));
    assert.equal(r3.requests, 1);
    assert.equal(r3.report.records[0]!.written, true, r3.report.records[0]!.error);

    const noip = settingsFor(fake, { preset: 'noip' });
    const pn = providerFor(noip);
    const other = hostname('outage-noip');
    fake.injectAnswer('911');
    const n1 = await run(configFor(other, noip), emptyState(), pn, t0);
    const n2 = await run(configFor(other, noip), n1.state, pn, min(20));
    assert.equal(n2.requests, 0, 'No-IP 911: 30 minutes');
    const n3 = await run(configFor(other, noip), n2.state, pn, min(31));
    assert.equal(n3.requests, 1);
  });

  it('dnserr and No-IP w5m back off for their time', async () => {
    const settings = settingsFor(fake);
    const p = providerFor(settings);
    const t0 = new Date('2030-01-01T00:00:00Z');
    for (const [answer, minutes] of [['dnserr', 10], ['w5m', 5]] as const) {
      const name = hostname(`wait-${answer}`);
      fake.injectAnswer(answer);
      const r1 = await run(configFor(name, settings), emptyState(), p, t0);
      assert.equal(Object.values(r1.state.holds ?? {})[0]?.until, new Date(t0.getTime() + minutes * 60_000).toISOString(), answer);
      const r2 = await run(configFor(name, settings), r1.state, p, new Date(t0.getTime() + (minutes - 1) * 60_000));
      assert.equal(r2.requests, 0, answer);
    }
  });

  it('a short No-IP wait (w1s) is waited for within the run', async () => {
    const name = hostname('w1s');
    fake.injectAnswer('w1s');
    const t0 = performance.now();
    await withRetry(() => providerFor(settingsFor(fake)).write({ name, type: 'A' }, { values: ['192.0.2.20'], ttl: 60, previous: null }), FAST);
    assert.ok(performance.now() - t0 >= 950);
    assert.deepEqual(fake.lookup(name, 'A'), ['192.0.2.20']);
  });

  it('abuse locks out, whether injected or earned by repeated nochg', async () => {
    const settings = settingsFor(fake);
    const p = providerFor(settings);
    const name = hostname('abuse');
    fake.injectAnswer('abuse');
    const r1 = await run(configFor(name, settings), emptyState(), p);
    assert.equal(Object.values(r1.state.holds ?? {})[0]?.code, 'abuse');
    const r2 = await run(configFor(name, settings), r1.state, p);
    assert.equal(r2.requests, 0);

    // The fake blocks a host after 3 updates that changed nothing, as Dyn does.
    const spammed = hostname('nochg-spam');
    const write = () => p.write({ name: spammed, type: 'A' }, { values: ['192.0.2.20'], ttl: 60, previous: null });
    await write(); // good
    for (let i = 0; i < 3; i++) await write(); // nochg: still success
    await assert.rejects(write(), (e: unknown) => e instanceof ProviderError && e.kind === 'lockout' && e.code === 'abuse');
    assert.equal(fake.isBlocked(spammed), true);
  });

  it('an unknown answer is a lockout, names the code, and is not retried', async () => {
    const name = hostname('unknown');
    fake.injectAnswer('maintenance mode until 12:00');
    const before = fake.requests.length;
    await assert.rejects(
      withRetry(() => providerFor(settingsFor(fake)).write({ name, type: 'A' }, { values: ['192.0.2.20'], ttl: 60, previous: null }), FAST),
      (e: unknown) => e instanceof ProviderError && e.kind === 'lockout' && /unknown code "maintenance"/.test(e.message),
    );
    assert.equal(fake.requests.length - before, 1);
    assert.equal(fake.lookup(name, 'A'), null);
  });

  it('unknown host, non-FQDN and a rejected User-Agent are lockouts', async () => {
    const p = providerFor(settingsFor(fake));
    const write = (p2: Provider, name: string) => p2.write({ name, type: 'A' }, { values: ['192.0.2.20'], ttl: 60, previous: null });
    await assert.rejects(write(p, 'app.elsewhere.test'), (e: unknown) => e instanceof ProviderError && e.code === 'nohost');
    await assert.rejects(write(p, 'localhost'), (e: unknown) => e instanceof ProviderError && e.code === 'notfqdn');
    for (const ua of ['', 'got (https://github.com/sindresorhus/got)', 'curl/8.0']) {
      await assert.rejects(write(providerFor(settingsFor(fake), ua), hostname('ua')), (e: unknown) => e instanceof ProviderError && e.code === 'badagent', ua);
    }
  });

  it('the engine never sends a nochg: five runs with nothing changing make one update', async () => {
    const name = hostname('steady');
    const settings = settingsFor(fake);
    const p = providerFor(settings);
    const nochgBefore = fake.answered.nochg ?? 0;
    let state = emptyState();
    let total = 0;
    for (let i = 0; i < 5; i++) {
      const r = await run(configFor(name, settings), state, p);
      assert.notEqual(r.report.records[0]!.outcome, 'error', r.report.records[0]!.error);
      state = r.state;
      total += r.requests;
    }
    assert.equal(total, 1);
    assert.equal(fake.answered.nochg ?? 0, nochgBefore, 'no update answered nochg');
    assert.deepEqual(fake.lookup(name, 'A'), ['192.0.2.20']);
  });

  it('the password never appears in an error, a report or the state', async () => {
    const leaks = [PASSWORD, basicAuth(USER, PASSWORD).slice('Basic '.length), Buffer.from(PASSWORD).toString('base64').slice(0, 12)];
    const texts: string[] = [];
    const settings = settingsFor(fake);
    const p = providerFor(settings);
    const scenarios: (() => void)[] = [
      () => fake.injectAnswer('911'),
      () => fake.injectAnswer('badauth'),
      () => fake.injectAnswer('something-odd'),
      () => fake.injectFault({ kind: 'http-5xx', status: 500, times: 1 }),
      () => fake.injectFault({ kind: 'timeout', times: 1 }),
      () => undefined,
    ];
    for (const arrange of scenarios) {
      arrange();
      // Straight to the provider: the error as thrown, before any redaction by the engine.
      await p.write({ name: hostname('leak'), type: 'A' }, { values: ['192.0.2.20'], ttl: 60, previous: null }).catch((e: Error) => texts.push(e.message, String(e.stack)));
    }
    for (const arrange of scenarios.slice(0, 3)) {
      arrange();
      const r = await runOnce(configFor(hostname('leak'), settings), emptyState(), { providers: { p }, probe }, { dryRun: false });
      texts.push(reportToJson(r.report), JSON.stringify(r.state));
    }
    const all = texts.join('\n');
    assert.match(all, /911/, 'the errors were collected');
    assert.match(all, /badauth/);
    assert.match(all, /HTTP 500/);
    assert.match(all, /timed out/);
    for (const secret of leaks) assert.ok(!all.includes(secret), `leaked ${secret.slice(0, 3)}…`);
  });

  it('refuses more than one address, an empty set, and the wrong family without a request', async () => {
    const p = providerFor(settingsFor(fake));
    const before = fake.requests.length;
    const fatal = (e: unknown) => e instanceof ProviderError && e.kind === 'fatal';
    await assert.rejects(p.write({ name: hostname('x'), type: 'A' }, { values: ['192.0.2.1', '192.0.2.2'], ttl: 60, previous: null }), fatal);
    await assert.rejects(p.write({ name: hostname('x'), type: 'A' }, { values: [], ttl: 60, previous: null }), fatal);
    await assert.rejects(p.write({ name: hostname('x'), type: 'A' }, { values: ['2001:db8::1'], ttl: 60, previous: null }), fatal);
    assert.equal(fake.requests.length, before);
  });
});

describe('dyndns2 presets against the fake', () => {
  let fake: FakeDyndns2;
  before(async () => {
    fake = await startFakeDyndns2({
      requireFqdn: false,
      accounts: [
        { username: 'he.example.test', password: 'he-record-key', hosts: ['he.example.test'] },
        { username: 'nouser', password: 'duck-token-1234', hosts: ['myhome'] },
        { username: 'example.test-ovh', password: 'ovh-password', hosts: ['ovh.example.test'] },
        { username: 'none', password: 'dynv6-token', zones: ['v6.example.test'] },
      ],
    });
  });
  after(() => fake.close());
  const write = (settings: Record<string, unknown>, name: string, ip = '192.0.2.20', type: 'A' | 'AAAA' = 'A') =>
    providerFor({ type: 'dyndns2', endpoint: fake.url, ...settings }).write({ name, type }, { values: [ip], ttl: 60, previous: null });

  it('he: the hostname is the username', async () => {
    await write({ preset: 'he', password: 'he-record-key' }, 'he.example.test');
    assert.equal(fake.requests.at(-1)!.headers.authorization, basicAuth('he.example.test', 'he-record-key'));
    assert.deepEqual(fake.lookup('he.example.test', 'A'), ['192.0.2.20']);
  });
  it('duckdns: user nouser, the label only', async () => {
    await write({ preset: 'duckdns', password: 'duck-token-1234' }, 'myhome.duckdns.org');
    assert.equal(fake.requests.at(-1)!.query.hostname, 'myhome');
    assert.deepEqual(fake.lookup('myhome', 'A'), ['192.0.2.20']);
  });
  it('ovh: system=dyndns', async () => {
    await write({ preset: 'ovh', username: 'example.test-ovh', password: 'ovh-password' }, 'ovh.example.test');
    assert.equal(fake.requests.at(-1)!.query.system, 'dyndns');
    assert.deepEqual(fake.lookup('ovh.example.test', 'A'), ['192.0.2.20']);
  });
  it('dynv6: user none; AAAA goes in myip', async () => {
    await write({ preset: 'dynv6', password: 'dynv6-token' }, 'home.v6.example.test', '2001:db8::20', 'AAAA');
    assert.equal(fake.requests.at(-1)!.query.myip, '2001:db8::20');
    assert.deepEqual(fake.lookup('home.v6.example.test', 'AAAA'), ['2001:db8::20']);
  });
});

describe('dyndns2 presets against a fake with that service\'s quirk', () => {
  const withService = async (service: Dyndns2Service, fn: (f: FakeDyndns2, write: (preset: string, ip: string, type?: 'A' | 'AAAA') => Promise<void>) => Promise<void>) => {
    const f = await startFake({ service });
    try {
      await fn(f, (preset, ip, type = 'A') => providerFor(settingsFor(f, { preset })).write({ name: `host.${ZONE}`, type }, { values: [ip], ttl: 60, previous: null }));
    } finally {
      await f.close();
    }
  };

  it('changeip: "200 Successful Update" is a written update; the dyn preset takes it for an unknown code', async () => {
    await withService('changeip', async (f, write) => {
      await write('changeip', '192.0.2.20');
      assert.equal(f.requests.at(-1)!.answer, '200 Successful Update');
      assert.deepEqual(f.lookup(`host.${ZONE}`, 'A'), ['192.0.2.20']);
      await assert.rejects(write('dyn', '192.0.2.30'), (e: unknown) => e instanceof ProviderError && e.kind === 'lockout');
    });
  });

  it('inwx: an AAAA update goes in myipv6, and INWX keeps it; in myip it would be refused', async () => {
    await withService('inwx', async (f, write) => {
      await write('inwx', '2001:db8::20', 'AAAA');
      assert.deepEqual(f.requests.at(-1)!.query, { hostname: `host.${ZONE}`, myipv6: '2001:db8::20' });
      assert.deepEqual(f.lookup(`host.${ZONE}`, 'AAAA'), ['2001:db8::20']);
      await assert.rejects(write('dyn', '2001:db8::30', 'AAAA'));
      assert.equal(f.requests.at(-1)!.status, 400);
      assert.deepEqual(f.lookup(`host.${ZONE}`, 'AAAA'), ['2001:db8::20']);
    });
  });

  it('he: a second update within the interval answers interval, a 10-minute cooldown, not a lockout', async () => {
    const he = await startFakeDyndns2({ service: 'he', accounts: [{ username: `host.${ZONE}`, password: 'he-key', hosts: [`host.${ZONE}`] }] });
    try {
      const p = providerFor({ type: 'dyndns2', preset: 'he', endpoint: he.url, password: 'he-key' });
      const write = (ip: string) => p.write({ name: `host.${ZONE}`, type: 'A' }, { values: [ip], ttl: 60, previous: null });
      await write('192.0.2.20');
      await assert.rejects(write('192.0.2.30'), (e: unknown) => e instanceof ProviderError && e.kind === 'rate-limited' && e.code === 'interval' && e.retryAfterMs === 10 * 60_000);
      assert.equal(he.requests.at(-1)!.answer, 'interval');
      assert.deepEqual(he.lookup(`host.${ZONE}`, 'A'), ['192.0.2.20']);
    } finally {
      await he.close();
    }
  });
});

describe('dyndns2 with a resolver: read() asks the DNS server directly', () => {
  let fake: FakeDyndns2;
  before(async () => {
    fake = await startFakeDyndns2({ accounts: [{ ...account }], dns: true });
  });
  after(() => fake.close());
  const settings = () => settingsFor(fake, { resolver: `127.0.0.1:${fake.dnsPort}` });

  it('the declared capability stays read: false, but the instance can read', () => {
    assert.equal(dyndns2Provider.capabilities.read, false);
    assert.equal(typeof providerFor(settings()).read, 'function');
    assert.equal(providerFor(settingsFor(fake)).read, undefined);
  });

  it('missing name → null, other type only → null, after a write → the address', async () => {
    const p = providerFor(settings());
    const name = hostname('dns');
    assert.equal(await p.read!({ name, type: 'A' }), null);
    await p.write({ name, type: 'A' }, { values: ['192.0.2.20'], ttl: 60, previous: null });
    assert.deepEqual(await p.read!({ name, type: 'A' }), { values: ['192.0.2.20'], ttl: 60 });
    assert.equal(await p.read!({ name, type: 'AAAA' }), null);
  });

  it('a stateless run that finds the record in sync sends nothing', async () => {
    const name = hostname('stateless');
    fake.setAddress(name, 'A', '192.0.2.20');
    const before = fake.requests.length;
    const r = await runOnce(configFor(name, settings()), emptyState(), { providers: { p: providerFor(settings()) }, probe }, { dryRun: false });
    assert.deepEqual(r.report.records[0]!.current, ['192.0.2.20']);
    assert.equal(r.report.records[0]!.changed, false);
    assert.equal(fake.requests.length, before);
  });

  it('a DNS server that does not answer is a transient error', async () => {
    const p = providerFor(settingsFor(fake, { resolver: '127.0.0.1:9' }));
    await assert.rejects(p.read!({ name: hostname('dead'), type: 'A' }), (e: unknown) => e instanceof ProviderError && e.kind === 'transient');
  });
});
