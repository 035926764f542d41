import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ProviderError, type ProviderErrorKind } from '../../providers/kit/errors.js';
import rfc2136Provider, { createRfc2136Provider } from '../../providers/rfc2136/index.js';
import { parseServer } from '../../providers/rfc2136/parse.js';
import { createExchange } from '../../providers/rfc2136/transport.js';
import { OPCODE } from '../../providers/rfc2136/wire.js';
import type { Provider, RecordRef } from '../../providers/kit/types.js';
import { defaultZoneText, startBind, type Bind } from '../helpers/bind.js';
import { dig } from '../helpers/dig.js';
import { findTool, requireTools } from '../helpers/require-tool.js';
import { providerContract } from './provider-contract.js';

// The rfc2136 provider against a real BIND 9.18 on loopback, with a dynamic zone that allows updates
// signed by one TSIG key. The independent view is `dig` at BIND's port (and its zone file after
// `rndc sync`); requests are counted as they leave the provider's transport (every UDP or TCP
// message), mutations are the UPDATE messages among them. BIND cannot be made to fail on demand, so
// the fault cases (timeout, SERVFAIL) are covered against a fake DNS server in the unit tests.

const TOOLS = ['named', 'named-checkzone', 'rndc', 'dig', 'nsupdate'];
const INSTALL = 'apt-get install bind9 bind9-utils bind9-dnsutils';
const ZONE = 'example.test';
const KEY = 'dnsfail-key';
const SECRET = randomBytes(32).toString('base64');
const OTHER_SECRET = randomBytes(32).toString('base64');
/** A key BIND knows (it verifies and signs with it) but that allow-update does not name. */
const READ_ONLY = { name: 'read-only-key', algorithm: 'hmac-sha512', secret: randomBytes(64).toString('base64') };

const sent = { udp: 0, tcp: 0, updates: 0 };
const observe = (protocol: 'udp' | 'tcp', message: Buffer) => {
  sent[protocol]++;
  if (((message[2]! >> 3) & 0xf) === OPCODE.UPDATE) sent.updates++;
};

const settingsFor = (bind: Bind, tsig: { name: string; secret: string; algorithm?: string } | null = { name: KEY, secret: SECRET }) => ({
  type: 'rfc2136',
  server: `127.0.0.1:${bind.port}`,
  zone: ZONE,
  timeout: '1s',
  ...(tsig ? { tsig } : {}),
});

function providerFor(bind: Bind, tsig?: { name: string; secret: string; algorithm?: string } | null): Provider {
  const config = rfc2136Provider.configSchema.parse(settingsFor(bind, tsig));
  return createRfc2136Provider(config, { userAgent: 'dnsfail-test', baseDir: '/' }, { exchange: createExchange(parseServer(config.server)!, 1000, observe) });
}

const lookupAt = (bind: Bind) => async (name: string, type: string) => {
  const answers = await dig('127.0.0.1', bind.port, name, type);
  return answers.length === 0 ? null : answers;
};

const available = TOOLS.every((n) => findTool(n) !== null) || process.env.CI === 'true';
const skipWithout = available ? false : `missing ${TOOLS.filter((n) => !findTool(n)).join(', ')} (install: ${INSTALL})`;

const startDynamicBind = (zoneText?: string) =>
  startBind({ zone: ZONE, dynamic: { tsigName: KEY, algorithm: 'hmac-sha256', secret: SECRET }, otherKeys: [READ_ONLY], ...(zoneText ? { zoneText } : {}) });

if (available) {
  let bind: Bind | undefined;
  providerContract({
    kind: 'rfc2136',
    capabilities: rfc2136Provider.capabilities,
    zone: ZONE,
    start: async () => {
      bind = await startDynamicBind();
    },
    stop: async () => bind?.stop(),
    provider: () => providerFor(bind!),
    badAuthProvider: () => providerFor(bind!, { name: KEY, secret: OTHER_SECRET }),
    settings: () => settingsFor(bind!),
    lookup: (name, type) => lookupAt(bind!)(name, type),
    mutations: () => sent.updates,
    requests: () => sent.udp + sent.tcp,
  });
} else {
  it('provider contract: rfc2136 (BIND)', (t) => {
    requireTools(t, TOOLS, INSTALL);
  });
}

/** Runs nsupdate with the zone's key: another party changing the record behind dnsfail's back. */
async function nsupdate(bind: Bind, lines: string[]): Promise<void> {
  const keyFile = join(bind.dir, 'other-party.key');
  await writeFile(keyFile, `key "${KEY}" { algorithm hmac-sha256; secret "${SECRET}"; };\n`, { mode: 0o600 });
  const script = [`server 127.0.0.1 ${bind.port}`, `zone ${ZONE}`, ...lines, 'send', ''].join('\n');
  await new Promise<void>((done, fail) => {
    const child = execFile('nsupdate', ['-k', keyFile], { timeout: 10_000 }, (err, stdout, stderr) => (err ? fail(new Error(`nsupdate: ${stdout}${stderr}`)) : done()));
    child.stdin!.end(script);
  });
}

function canonicalZone(file: string): Promise<string> {
  return new Promise((done, fail) => {
    execFile('named-checkzone', ['-D', '-o', '-', ZONE, file], { timeout: 10_000 }, (err, stdout, stderr) =>
      err ? fail(new Error(`named-checkzone: ${stdout}${stderr}`)) : done(stdout.replace(/[ \t]+/g, ' ')),
    );
  });
}

const rejectsWith = (kind: ProviderErrorKind, pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ProviderError, String(e));
  assert.equal(e.kind, kind, e.message);
  assert.match(e.message, pattern);
  assert.ok(!e.message.includes(SECRET) && !e.message.includes(OTHER_SECRET), 'no secret in the message');
  return true;
};

describe('rfc2136 provider against a real BIND 9', { skip: skipWithout }, () => {
  let bind: Bind;
  let p: Provider;
  let seq = 0;
  const name = (label: string) => `${label}-${++seq}.${ZONE}`;
  const ref = (n: string, type: RecordRef['type'] = 'A'): RecordRef => ({ name: n, type });
  const lookup = (n: string, type = 'A') => lookupAt(bind)(n, type);

  before(async () => {
    bind = await startDynamicBind(`${defaultZoneText(ZONE)}alias IN CNAME api\n`);
    p = providerFor(bind);
  });
  after(async () => bind?.stop());

  it('an unsigned update is REFUSED: an auth error that says what to check, and nothing changes', async () => {
    const n = name('unsigned');
    const unsigned = providerFor(bind, null);
    assert.equal(await unsigned.read!(ref(n)), null, 'unsigned queries are allowed');
    await assert.rejects(unsigned.write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: null }), rejectsWith('auth', /refused the unsigned update .*REFUSED/));
    assert.equal(await lookup(n), null);
  });

  it('a wrong secret gets NOTAUTH/BADSIG: an auth error naming BADSIG, and nothing changes', async () => {
    const n = name('badsig');
    const wrong = providerFor(bind, { name: KEY, secret: OTHER_SECRET });
    await assert.rejects(wrong.write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: null }), rejectsWith('auth', /BADSIG for key dnsfail-key/));
    await assert.rejects(wrong.read!(ref(n)), rejectsWith('auth', /BADSIG/));
    assert.equal(await lookup(n), null);
  });

  it('a key the server does not know gets BADKEY', async () => {
    const unknown = providerFor(bind, { name: 'nobody-key', secret: SECRET });
    await assert.rejects(unknown.write(ref(name('badkey')), { values: ['192.0.2.10'], ttl: 60, previous: null }), rejectsWith('auth', /BADKEY for key nobody-key/));
  });

  it('a key with the right name but another algorithm is refused too', async () => {
    const sha512 = providerFor(bind, { name: KEY, secret: SECRET, algorithm: 'hmac-sha512' });
    await assert.rejects(sha512.write(ref(name('badalg')), { values: ['192.0.2.10'], ttl: 60, previous: null }), (e: unknown) => e instanceof ProviderError && e.kind === 'auth');
  });

  it('checkWrite: passes for the key allow-update names, REFUSED for a key BIND knows but does not allow, and changes nothing', async () => {
    const serial = await dig('127.0.0.1', bind.port, ZONE, 'SOA');
    const before = sent.updates;
    await p.checkWrite!(ref(`app.${ZONE}`));
    const readOnly = providerFor(bind, READ_ONLY);
    assert.equal(await readOnly.read!(ref(`api.${ZONE}`)) !== null, true, 'the read-only key may read');
    await assert.rejects(readOnly.checkWrite!(ref(`app.${ZONE}`)), rejectsWith('auth', /refused the test update .*\(REFUSED\): is the TSIG key read-only-key allowed to update zone example\.test\?/));
    await assert.rejects(providerFor(bind, { name: KEY, secret: OTHER_SECRET }).checkWrite!(ref(`app.${ZONE}`)), rejectsWith('auth', /BADSIG/));
    assert.equal(sent.updates - before, 3, 'one UPDATE per check');
    assert.deepEqual(await dig('127.0.0.1', bind.port, ZONE, 'SOA'), serial, 'the zone did not change (same serial)');
  });

  it('a stale previous is a conflict (NXRRSET) and the other party\'s value stays', async () => {
    const n = name('stale');
    await p.write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: null });
    const seen = await p.read!(ref(n));
    assert.deepEqual(seen, { values: ['192.0.2.10'], ttl: 60 });
    await nsupdate(bind, [`update delete ${n} A`, `update add ${n} 60 A 192.0.2.99`]);
    const before = sent.updates;
    await assert.rejects(p.write(ref(n), { values: ['192.0.2.20'], ttl: 60, previous: seen }), rejectsWith('conflict', /changed since it was read \(NXRRSET\)/));
    assert.equal(sent.updates - before, 1);
    assert.deepEqual(await lookup(n), ['192.0.2.99']);
  });

  it('"previous: null" while the record exists is a conflict (YXRRSET), nothing overwritten', async () => {
    const n = name('appeared');
    await nsupdate(bind, [`update add ${n} 60 A 192.0.2.77`]);
    await assert.rejects(p.write(ref(n), { values: ['192.0.2.20'], ttl: 60, previous: null }), rejectsWith('conflict', /YXRRSET/));
    assert.deepEqual(await lookup(n), ['192.0.2.77']);
  });

  it('compare-and-set compares the whole rrset: a subset of it is stale', async () => {
    const n = name('subset');
    await p.write(ref(n), { values: ['192.0.2.10', '192.0.2.11'], ttl: 60, previous: null });
    await assert.rejects(p.write(ref(n), { values: ['192.0.2.20'], ttl: 60, previous: { values: ['192.0.2.10'] } }), rejectsWith('conflict', /NXRRSET/));
    assert.deepEqual(await lookup(n), ['192.0.2.10', '192.0.2.11']);
    await p.write(ref(n), { values: ['192.0.2.20'], ttl: 30, previous: { values: ['192.0.2.11', '192.0.2.10'] } });
    assert.deepEqual(await p.read!(ref(n)), { values: ['192.0.2.20'], ttl: 30 }, 'new TTL too');
  });

  it('a name with a CNAME: read reports its target, and a write adds nothing next to it', async () => {
    const alias = `alias.${ZONE}`;
    assert.deepEqual(await p.read!(ref(alias)), { values: [], cname: `api.${ZONE}` });
    assert.deepEqual(await p.read!(ref(alias, 'AAAA')), { values: [], cname: `api.${ZONE}` });
    await assert.rejects(p.write(ref(alias), { values: ['192.0.2.10'], ttl: 60, previous: null }), rejectsWith('conflict', /CNAME/));
    assert.deepEqual(await dig('127.0.0.1', bind.port, alias, 'CNAME'), ['api.example.test.']);
  });

  it('40 addresses: the update goes over TCP (over 512 bytes), the read falls back from a truncated UDP answer to TCP', async () => {
    const n = name('big');
    const values = Array.from({ length: 40 }, (_, i) => `198.51.100.${i + 1}`);
    const t0 = { ...sent };
    await p.write(ref(n), { values, ttl: 60, previous: null });
    assert.deepEqual({ udp: sent.udp - t0.udp, tcp: sent.tcp - t0.tcp }, { udp: 0, tcp: 1 }, 'the update went straight to TCP');
    const t1 = { ...sent };
    const got = await p.read!(ref(n));
    assert.deepEqual({ udp: sent.udp - t1.udp, tcp: sent.tcp - t1.tcp }, { udp: 1, tcp: 1 }, 'UDP answer truncated, then TCP');
    assert.deepEqual(got?.values.sort(), [...values].sort());
    assert.deepEqual((await lookup(n))?.sort(), [...values].sort());
    await p.write(ref(n), { values: ['198.51.100.1'], ttl: 60, previous: got });
    assert.deepEqual(await lookup(n), ['198.51.100.1']);
  });

  it('BIND keeps the update in its journal; after `rndc sync -clean` the zone file holds it', async () => {
    const n = name('journal');
    await p.write(ref(n), { values: ['192.0.2.55'], ttl: 45, previous: null });
    await p.write(ref(n, 'AAAA'), { values: ['2001:db8::55'], ttl: 45, previous: null });
    assert.ok(existsSync(`${bind.zoneFile}.jnl`), 'journal written');
    await bind.rndc(['sync', '-clean', ZONE]);
    // named-checkzone -D prints every record in full (BIND writes the file with $TTL/$ORIGIN and blank owners).
    const text = await canonicalZone(bind.zoneFile);
    assert.ok(text.includes(`${n}. 45 IN A 192.0.2.55`), text);
    assert.ok(text.includes(`${n}. 45 IN AAAA 2001:db8::55`), text);
    assert.ok(!existsSync(`${bind.zoneFile}.jnl`), 'journal removed by -clean');
  });

  it('a write with the values already there succeeds (idempotent)', async () => {
    const n = name('again');
    await p.write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: null });
    const prev = await p.read!(ref(n));
    await p.write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: prev });
    await p.write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: prev });
    assert.deepEqual(await lookup(n), ['192.0.2.10']);
  });

  it('names outside the zone never reach the server', async () => {
    const before = sent.udp + sent.tcp;
    await assert.rejects(p.write(ref('app.example.org'), { values: ['192.0.2.10'], ttl: 60, previous: null }), rejectsWith('fatal', /not inside zone example\.test/));
    assert.equal(sent.udp + sent.tcp, before);
  });
});
