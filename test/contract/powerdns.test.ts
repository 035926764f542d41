import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import powerdnsProvider, { createPowerdnsProvider, type PowerdnsConfig } from '../../providers/powerdns/index.js';
import { withRetry } from '../../providers/kit/retry.js';
import type { Provider } from '../../providers/kit/types.js';
import { digRrset } from '../helpers/dig.js';
import { startApiProxy, startPdns, type ApiProxy, type Pdns } from '../helpers/pdns.js';
import { requireTools, suiteTools } from '../helpers/require-tool.js';
import { providerContract } from './provider-contract.js';
import { specificsTools } from '../helpers/specifics.js';

// The powerdns provider against a real PowerDNS Authoritative 4.7 (gsqlite3) on loopback. The
// independent view is `dig` at its DNS port; requests and mutations are counted by a proxy in front
// of its API, which also injects the 5xx / 429 / hang faults (the server itself cannot be made to).

const TOOLS = ['pdns_server', 'sqlite3', 'dig'];
const INSTALL = 'apt-get install pdns-server pdns-backend-sqlite3 sqlite3 bind9-dnsutils';
const ZONE = 'example.test';
const ctx = { userAgent: 'dnsfail/test (+contract)', baseDir: '/' };
const FAST = { minDelayMs: 20, maxDelayMs: 50 };

/** Short per-request timeout, so the injected hang costs a second, not the default ten. */
const providerFor = (url: string, apiKey: string, extra: Partial<PowerdnsConfig> = {}): Provider =>
  createPowerdnsProvider(powerdnsProvider.configSchema.parse({ type: 'powerdns', url, apiKey, ...extra }), ctx, { timeoutMs: 1000 });

async function startStack(): Promise<{ pdns: Pdns; proxy: ApiProxy }> {
  const pdns = await startPdns();
  await pdns.createZone(ZONE);
  return { pdns, proxy: await startApiProxy(pdns.apiUrl) };
}

// providerContract registers its cases unconditionally: without the tools, skip it with a message
// locally; under CI run it anyway, so the missing server fails loudly.
const { available, skip: skipWithout } = suiteTools(TOOLS, INSTALL);

if (available) {
  let stack: { pdns: Pdns; proxy: ApiProxy } | undefined;
  providerContract({
    kind: 'powerdns',
    capabilities: powerdnsProvider.capabilities,
    zone: ZONE,
    start: async () => {
      stack = await startStack();
    },
    stop: async () => {
      await stack?.proxy.close();
      await stack?.pdns.stop();
      assert.ok(stack!.proxy.validated() > 0);
      assert.deepEqual(stack!.proxy.violations(), [], 'requests or answers off the PowerDNS API description');
    },
    provider: () => providerFor(stack!.proxy.url, stack!.pdns.apiKey),
    badAuthProvider: () => providerFor(stack!.proxy.url, 'not-the-key'),
    settings: () => ({ type: 'powerdns', url: stack!.proxy.url, apiKey: stack!.pdns.apiKey }),
    lookup: (name, type) => digRrset(stack!.pdns.dnsPort, name, type),
    mutations: () => stack!.proxy.mutations(),
    requests: () => stack!.proxy.requests(),
    injectFault: (f) => stack!.proxy.injectFault(f),
  });
} else {
  it('provider contract: powerdns', (t) => {
    requireTools(t, TOOLS, INSTALL);
  });
}

describe('powerdns provider against a real PowerDNS', { skip: skipWithout }, () => {
  let pdns: Pdns;
  let proxy: ApiProxy;
  let p: Provider;
  const { name, ref, rejection } = specificsTools(ZONE);
  const lookup = (n: string, type: string) => digRrset(pdns.dnsPort, n, type);
  /** The server's own view of the rrsets at a name, through the API (not through the provider). */
  const rrsetsAt = async (zone: string, n: string) => {
    const res = await fetch(`${pdns.apiUrl}/api/v1/servers/localhost/zones/${zone}.`, { headers: { 'x-api-key': pdns.apiKey } });
    const body = (await res.json()) as { rrsets: { name: string; type: string; ttl: number; records: { content: string; disabled: boolean }[] }[] };
    return body.rrsets.filter((r) => r.name === `${n}.`).sort((a, b) => a.type.localeCompare(b.type));
  };
  const patch = async (zone: string, rrsets: unknown[]) => {
    const res = await fetch(`${pdns.apiUrl}/api/v1/servers/localhost/zones/${zone}.`, {
      method: 'PATCH',
      headers: { 'x-api-key': pdns.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ rrsets }),
    });
    assert.equal(res.status, 204, await res.text());
  };
  const assertNoSecret = (e: ProviderError, ...secrets: string[]) => {
    const text = `${e.message}\n${e.stack ?? ''}\n${String(e.cause ?? '')}\n${JSON.stringify(e)}`;
    for (const s of secrets) assert.ok(!text.includes(s), `the API key leaked into: ${e.message}`);
  };

  before(async () => {
    ({ pdns, proxy } = await startStack());
    p = providerFor(proxy.url, pdns.apiKey);
  });
  after(async () => {
    await proxy?.close();
    await pdns?.stop();
    assert.ok(proxy.validated() > 0);
    assert.deepEqual(proxy.violations(), [], 'requests or answers off the PowerDNS API description');
  });

  it('sends X-API-Key and the User-Agent, PATCHes one REPLACE rrset with a trailing-dot name, and sets the TTL', async () => {
    const n = name('wire');
    const from = proxy.seen.length;
    await p.write(ref(n), { values: ['192.0.2.10', '192.0.2.11'], ttl: 42, previous: null });
    const sent = proxy.seen.slice(from);
    assert.ok(sent.length > 0);
    for (const r of sent) {
      assert.equal(r.headers['x-api-key'], pdns.apiKey);
      assert.equal(r.headers['user-agent'], ctx.userAgent);
    }
    const patches = sent.filter((r) => r.method === 'PATCH');
    assert.equal(patches.length, 1);
    assert.equal(patches[0]!.url, `/api/v1/servers/localhost/zones/${ZONE}.`);
    const [a] = await rrsetsAt(ZONE, n);
    assert.deepEqual(
      { type: a?.type, ttl: a?.ttl, values: a?.records.map((r) => r.content).sort() },
      { type: 'A', ttl: 42, values: ['192.0.2.10', '192.0.2.11'] },
    );
    assert.deepEqual(await p.read!(ref(n)), { values: ['192.0.2.10', '192.0.2.11'], ttl: 42 });
  });

  it('leaves other types at the same name alone, and deletes only its own rrset for an empty value list', async () => {
    const n = name('shared');
    await patch(ZONE, [
      { name: `${n}.`, type: 'TXT', ttl: 300, changetype: 'REPLACE', records: [{ content: '"keep me"', disabled: false }] },
      { name: `${n}.`, type: 'AAAA', ttl: 300, changetype: 'REPLACE', records: [{ content: '2001:db8::1', disabled: false }] },
    ]);
    await p.write(ref(n), { values: ['192.0.2.20'], ttl: 60, previous: null });
    assert.deepEqual(await lookup(n, 'A'), ['192.0.2.20']);
    assert.deepEqual(await lookup(n, 'TXT'), ['keep me']);
    assert.deepEqual(await lookup(n, 'AAAA'), ['2001:db8::1']);
    await p.write(ref(n), { values: [], ttl: 60, previous: { values: ['192.0.2.20'] } });
    assert.equal(await lookup(n, 'A'), null);
    assert.equal(await p.read!(ref(n)), null);
    assert.deepEqual(
      (await rrsetsAt(ZONE, n)).map((r) => `${r.type} ${r.ttl} ${r.records.map((x) => x.content).join(',')}`),
      ['AAAA 300 2001:db8::1', 'TXT 300 "keep me"'],
    );
  });

  it('does not read disabled records as published values', async () => {
    const n = name('disabled');
    await patch(ZONE, [
      { name: `${n}.`, type: 'A', ttl: 60, changetype: 'REPLACE', records: [{ content: '192.0.2.1', disabled: false }, { content: '192.0.2.2', disabled: true }] },
    ]);
    assert.deepEqual(await lookup(n, 'A'), ['192.0.2.1']);
    assert.deepEqual((await p.read!(ref(n)))?.values, ['192.0.2.1']);
  });

  it('auto-detects the most specific zone for a deeper name', async () => {
    await pdns.createZone(`sub.${ZONE}`);
    const fresh = providerFor(proxy.url, pdns.apiKey); // its zone list is fetched after sub exists
    const n = `app.deep.sub.${ZONE}`;
    await fresh.write(ref(n), { values: ['192.0.2.30'], ttl: 60, previous: null });
    assert.equal((await rrsetsAt(`sub.${ZONE}`, n)).length, 1, 'written into sub.example.test');
    assert.equal((await rrsetsAt(ZONE, n)).length, 0, 'not into the parent zone');
    assert.deepEqual(await lookup(n, 'A'), ['192.0.2.30']);
    const from = proxy.seen.length;
    assert.deepEqual((await fresh.read!(ref(n)))?.values, ['192.0.2.30']);
    assert.deepEqual((await fresh.read!(ref(`other.${ZONE}`))), null);
    assert.equal(proxy.seen.slice(from).filter((r) => r.path === '/servers/localhost/zones').length, 0, 'the zone list is cached per instance');
  });

  it('uses the configured zone, and refuses a name outside it without a request', async () => {
    const fixed = providerFor(proxy.url, pdns.apiKey, { zone: ZONE });
    const n = name('fixed');
    await fixed.write(ref(n), { values: ['192.0.2.40'], ttl: 60, previous: null });
    assert.deepEqual(await lookup(n, 'A'), ['192.0.2.40']);
    const from = proxy.requests();
    const e = await rejection(fixed.read!(ref('app.example.org')));
    assert.equal(e.kind, 'fatal');
    assert.match(e.message, /app\.example\.org is not inside zone example\.test/);
    assert.equal(proxy.requests(), from);
  });

  it('an unknown zone is a fatal error that names it, and is not retried', async () => {
    const missing = providerFor(proxy.url, pdns.apiKey, { zone: 'nope.test' });
    const from = proxy.requests();
    const e = await rejection(withRetry(() => missing.write(ref('app.nope.test'), { values: ['192.0.2.1'], ttl: 60, previous: null }), FAST));
    assert.equal(e.kind, 'fatal');
    assert.match(e.message, /PATCH \/zones\/nope\.test\.: HTTP 404: zone nope\.test does not exist/);
    assert.equal(proxy.requests() - from, 1);
    assertNoSecret(e, pdns.apiKey);

    const auto = await rejection(p.read!(ref('app.nowhere.test')));
    assert.equal(auto.kind, 'fatal');
    assert.match(auto.message, /no zone on PowerDNS server "localhost" contains app\.nowhere\.test/);
  });

  it("a 422 is fatal and carries PowerDNS's reason (A next to a CNAME)", async () => {
    const n = name('cname');
    await patch(ZONE, [{ name: `${n}.`, type: 'CNAME', ttl: 60, changetype: 'REPLACE', records: [{ content: `target.${ZONE}.`, disabled: false }] }]);
    const from = proxy.requests();
    const e = await rejection(withRetry(() => p.write(ref(n), { values: ['192.0.2.1'], ttl: 60, previous: null }), FAST));
    assert.equal(e.kind, 'fatal');
    assert.match(e.message, /^PowerDNS PATCH \/zones\/example\.test\.: HTTP 422: RRset cname-\d+\.example\.test\. IN A: Conflicts with pre-existing RRset$/);
    assert.equal(proxy.requests() - from, 1, 'not retried');
    assertNoSecret(e, pdns.apiKey);
  });

  it('a wrong API key is an auth error, tried once, and no key appears in it', async () => {
    const wrongKey = 'wrong-key-0123456789abcdef';
    const bad = providerFor(proxy.url, wrongKey, { zone: ZONE });
    const from = proxy.requests();
    const e = await rejection(withRetry(() => bad.write(ref(name('auth')), { values: ['192.0.2.1'], ttl: 60, previous: null }), FAST));
    assert.equal(e.kind, 'auth');
    assert.match(e.message, /HTTP 401/);
    assert.equal(proxy.requests() - from, 1);
    assertNoSecret(e, wrongKey, pdns.apiKey);
  });

  it('a wrong serverId is fatal and says so', async () => {
    const e = await rejection(providerFor(proxy.url, pdns.apiKey, { serverId: 'elsewhere' }).read!(ref(name('sid'))));
    assert.equal(e.kind, 'fatal');
    assert.match(e.message, /no server "elsewhere"/);
  });

  it('5xx, a hang and a refused connection are transient; no error carries the key', async () => {
    const fixed = providerFor(proxy.url, pdns.apiKey, { zone: ZONE });
    proxy.injectFault({ kind: 'http-5xx', status: 500, times: 1 });
    const e500 = await rejection(fixed.read!(ref(name('t'))));
    proxy.injectFault({ kind: 'timeout', times: 1 });
    const eHang = await rejection(fixed.read!(ref(name('t'))));
    proxy.injectFault({ kind: 'rate-limit', retryAfterS: 7, times: 1 });
    const e429 = await rejection(fixed.read!(ref(name('t'))));
    const closed = await startApiProxy('http://127.0.0.1:1');
    const deadUrl = closed.url;
    await closed.close();
    const eRefused = await rejection(providerFor(deadUrl, pdns.apiKey).read!(ref(name('t'))));
    assert.deepEqual([e500.kind, eHang.kind, e429.kind, eRefused.kind], ['transient', 'transient', 'rate-limited', 'transient']);
    assert.equal(e429.retryAfterMs, 7000);
    assert.match(eHang.message, /timed out/);
    assert.match(eRefused.message, /ECONNREFUSED/);
    for (const e of [e500, eHang, e429, eRefused]) assertNoSecret(e, pdns.apiKey);
  });
});
