import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ProviderError, type ProviderErrorKind } from '../../providers/kit/errors.js';
import rfc2136Provider, { createRfc2136Provider } from '../../providers/rfc2136/index.js';
import { parseServer } from '../../providers/rfc2136/parse.js';
import { createExchange } from '../../providers/rfc2136/transport.js';
import { OPCODE } from '../../providers/rfc2136/wire.js';
import type { Provider, RecordRef } from '../../providers/kit/types.js';
import { dig } from '../helpers/dig.js';
import { startPdns, type Pdns } from '../helpers/pdns.js';
import { findTool, requireTools } from '../helpers/require-tool.js';
import { providerContract } from './provider-contract.js';

// The rfc2136 provider against a real PowerDNS Authoritative 4.7 (gsqlite3) on loopback, with
// dnsupdate=yes and the zone's TSIG-ALLOW-DNSUPDATE set to one key made through its API. The
// independent view is `dig` at its DNS port and its HTTP API; requests are counted as they leave the
// provider's transport, mutations are the UPDATE messages among them. The fault cases are covered
// against a fake DNS server in the unit tests.

const TOOLS = ['pdns_server', 'sqlite3', 'dig'];
const INSTALL = 'apt-get install pdns-server pdns-backend-sqlite3 sqlite3 bind9-dnsutils';
const ZONE = 'example.test';
const KEY = 'dnsfail-key';
const OTHER_SECRET = Buffer.alloc(32, 7).toString('base64');

const sent = { udp: 0, tcp: 0, updates: 0 };
const observe = (protocol: 'udp' | 'tcp', message: Buffer) => {
  sent[protocol]++;
  if (((message[2]! >> 3) & 0xf) === OPCODE.UPDATE) sent.updates++;
};

interface Stack {
  pdns: Pdns;
  secret: string;
  secret512: string;
}

async function startStack(): Promise<Stack> {
  const pdns = await startPdns();
  try {
    await pdns.createZone(ZONE);
    const secret = await pdns.addTsigKey(KEY, 'hmac-sha256');
    const secret512 = await pdns.addTsigKey(`${KEY}-512`, 'hmac-sha512');
    await pdns.allowDnsUpdate(ZONE, { tsigKey: KEY });
    return { pdns, secret, secret512 };
  } catch (e) {
    await pdns.stop();
    throw e;
  }
}

type Tsig = { name: string; secret: string; algorithm?: string } | null;
const settingsFor = (s: Stack, tsig: Tsig = { name: KEY, secret: s.secret }) => ({
  type: 'rfc2136',
  server: `127.0.0.1:${s.pdns.dnsPort}`,
  zone: ZONE,
  timeout: '1s',
  ...(tsig ? { tsig } : {}),
});

function providerFor(s: Stack, tsig?: Tsig): Provider {
  const config = rfc2136Provider.configSchema.parse(settingsFor(s, tsig));
  return createRfc2136Provider(config, { userAgent: 'dnsfail-test', baseDir: '/' }, { exchange: createExchange(parseServer(config.server)!, 1000, observe) });
}

const lookupAt = (pdns: Pdns) => async (name: string, type: string) => {
  const answers = await dig('127.0.0.1', pdns.dnsPort, name, type);
  return answers.length === 0 ? null : answers;
};

const available = TOOLS.every((n) => findTool(n) !== null) || process.env.CI === 'true';
const skipWithout = available ? false : `missing ${TOOLS.filter((n) => !findTool(n)).join(', ')} (install: ${INSTALL})`;

if (available) {
  let stack: Stack | undefined;
  providerContract({
    kind: 'rfc2136',
    capabilities: rfc2136Provider.capabilities,
    zone: ZONE,
    start: async () => {
      stack = await startStack();
    },
    stop: async () => stack?.pdns.stop(),
    provider: () => providerFor(stack!),
    badAuthProvider: () => providerFor(stack!, { name: KEY, secret: OTHER_SECRET }),
    settings: () => settingsFor(stack!),
    lookup: (name, type) => lookupAt(stack!.pdns)(name, type),
    mutations: () => sent.updates,
    requests: () => sent.udp + sent.tcp,
  });
} else {
  it('provider contract: rfc2136 (PowerDNS)', (t) => {
    requireTools(t, TOOLS, INSTALL);
  });
}

describe('rfc2136 provider against a real PowerDNS', { skip: skipWithout }, () => {
  let s: Stack;
  let p: Provider;
  let seq = 0;
  const name = (label: string) => `${label}-${++seq}.${ZONE}`;
  const ref = (n: string, type: RecordRef['type'] = 'A'): RecordRef => ({ name: n, type });
  const lookup = (n: string, type = 'A') => lookupAt(s.pdns)(n, type);
  const secrets = () => [s.secret, s.secret512, OTHER_SECRET];
  const rejectsWith = (kind: ProviderErrorKind, pattern: RegExp) => (e: unknown) => {
    assert.ok(e instanceof ProviderError, String(e));
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, pattern);
    for (const secret of secrets()) assert.ok(!e.message.includes(secret), 'no secret in the message');
    return true;
  };
  /** The server's own view through its HTTP API. */
  const apiRrset = async (n: string, type = 'A') => {
    const res = await fetch(`${s.pdns.apiUrl}/api/v1/servers/localhost/zones/${ZONE}.`, { headers: { 'x-api-key': s.pdns.apiKey } });
    const zone = (await res.json()) as { rrsets: { name: string; type: string; ttl: number; records: { content: string }[] }[] };
    const rr = zone.rrsets.find((r) => r.name === `${n}.` && r.type === type);
    return rr ? { ttl: rr.ttl, values: rr.records.map((r) => r.content).sort() } : null;
  };

  before(async () => {
    s = await startStack();
    p = providerFor(s);
  });
  after(async () => s?.pdns.stop());

  it('an unsigned update is REFUSED: an auth error, and nothing changes', async () => {
    const n = name('unsigned');
    await assert.rejects(providerFor(s, null).write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: null }), rejectsWith('auth', /refused the unsigned update .*REFUSED/));
    assert.equal(await apiRrset(n), null);
  });

  it('a wrong secret gets NOTAUTH: an auth error, and nothing changes', async () => {
    const n = name('badsig');
    await assert.rejects(providerFor(s, { name: KEY, secret: OTHER_SECRET }).write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: null }), rejectsWith('auth', /REFUSED/)); // PowerDNS answers a bad signature on an UPDATE with REFUSED (BIND: NOTAUTH/BADSIG)
    assert.equal(await apiRrset(n), null);
  });

  it('a valid key that the zone does not allow is refused', async () => {
    const n = name('otherkey');
    await assert.rejects(providerFor(s, { name: `${KEY}-512`, secret: s.secret512, algorithm: 'hmac-sha512' }).write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: null }), rejectsWith('auth', /REFUSED/));
    assert.equal(await apiRrset(n), null);
  });

  it('checkWrite: passes for the key TSIG-ALLOW-DNSUPDATE names, REFUSED for a valid key it does not name, and changes nothing', async () => {
    const serial = await dig('127.0.0.1', s.pdns.dnsPort, ZONE, 'SOA');
    const before = sent.updates;
    await p.checkWrite!(ref(`app.${ZONE}`));
    const readOnly = providerFor(s, { name: `${KEY}-512`, secret: s.secret512, algorithm: 'hmac-sha512' });
    await assert.rejects(readOnly.checkWrite!(ref(`app.${ZONE}`)), rejectsWith('auth', /REFUSED/));
    await assert.rejects(providerFor(s, null).checkWrite!(ref(`app.${ZONE}`)), rejectsWith('auth', /refused the unsigned test update/));
    assert.equal(sent.updates - before, 3, 'one UPDATE per check');
    assert.deepEqual(await dig('127.0.0.1', s.pdns.dnsPort, ZONE, 'SOA'), serial, 'the zone did not change (same serial)');
  });

  it('a stale previous is a conflict (NXRRSET) and the other party\'s value stays', async () => {
    const n = name('stale');
    await p.write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: null });
    const seen = await p.read!(ref(n));
    assert.deepEqual(seen, { values: ['192.0.2.10'], ttl: 60 });
    const patch = await fetch(`${s.pdns.apiUrl}/api/v1/servers/localhost/zones/${ZONE}.`, {
      method: 'PATCH',
      headers: { 'x-api-key': s.pdns.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ rrsets: [{ name: `${n}.`, type: 'A', ttl: 60, changetype: 'REPLACE', records: [{ content: '192.0.2.99', disabled: false }] }] }),
    });
    assert.equal(patch.status, 204);
    await assert.rejects(p.write(ref(n), { values: ['192.0.2.20'], ttl: 60, previous: seen }), rejectsWith('conflict', /NXRRSET/));
    assert.deepEqual(await lookup(n), ['192.0.2.99']);
    assert.deepEqual(await apiRrset(n), { ttl: 60, values: ['192.0.2.99'] });
  });

  it('"previous: null" while the record exists is a conflict (YXRRSET)', async () => {
    const n = name('appeared');
    await p.write(ref(n), { values: ['192.0.2.77'], ttl: 60, previous: null });
    await assert.rejects(p.write(ref(n), { values: ['192.0.2.20'], ttl: 60, previous: null }), rejectsWith('conflict', /YXRRSET/));
    assert.deepEqual(await lookup(n), ['192.0.2.77']);
  });

  it('replaces values and TTL as the API sees them', async () => {
    const n = name('ttl');
    await p.write(ref(n), { values: ['192.0.2.10', '192.0.2.11'], ttl: 60, previous: null });
    await p.write(ref(n), { values: ['192.0.2.12'], ttl: 30, previous: await p.read!(ref(n)) });
    assert.deepEqual(await apiRrset(n), { ttl: 30, values: ['192.0.2.12'] });
    assert.deepEqual(await p.read!(ref(n)), { values: ['192.0.2.12'], ttl: 30 });
  });

  it('40 addresses: update over TCP, read falls back from a truncated UDP answer to TCP', async () => {
    const n = name('big');
    const values = Array.from({ length: 40 }, (_, i) => `198.51.100.${i + 1}`);
    const t0 = { ...sent };
    await p.write(ref(n), { values, ttl: 60, previous: null });
    assert.deepEqual({ udp: sent.udp - t0.udp, tcp: sent.tcp - t0.tcp }, { udp: 0, tcp: 1 });
    const t1 = { ...sent };
    const got = await p.read!(ref(n));
    assert.deepEqual({ udp: sent.udp - t1.udp, tcp: sent.tcp - t1.tcp }, { udp: 1, tcp: 1 }, 'UDP answer truncated, then TCP');
    assert.deepEqual(got?.values.sort(), [...values].sort());
    assert.deepEqual((await apiRrset(n))?.values, [...values].sort());
  });
});
