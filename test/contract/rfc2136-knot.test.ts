import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import rfc2136Provider, { createRfc2136Provider } from '../../providers/rfc2136/index.js';
import { parseServer } from '../../providers/rfc2136/parse.js';
import { createExchange } from '../../providers/rfc2136/transport.js';
import { OPCODE } from '../../providers/rfc2136/wire.js';
import type { Provider, RecordRef } from '../../providers/kit/types.js';
import { defaultZoneText } from '../helpers/bind.js';
import { dig } from '../helpers/dig.js';
import { KNOT_INSTALL, KNOT_TOOLS, startKnot, type Knot, type KnotKey } from '../helpers/knot.js';
import { findTool, requireTools } from '../helpers/require-tool.js';
import { providerContract } from './provider-contract.js';

// The rfc2136 provider against a real Knot DNS 3.2 on loopback (one knotd for the whole file): a zone
// whose acl lets two keys update (hmac-sha256, hmac-sha512) and a third only transfer. The
// independent view is dig at knotd; requests are counted as they leave the provider's transport.

const ZONE = 'example.test';
const secret = () => randomBytes(32).toString('base64');
const KEYS = {
  sha256: { name: 'dnsfail-key', algorithm: 'hmac-sha256', secret: secret(), actions: ['update'] },
  sha512: { name: 'dnsfail-key-512', algorithm: 'hmac-sha512', secret: secret(), actions: ['update'] },
  readOnly: { name: 'read-only-key', algorithm: 'hmac-sha256', secret: secret(), actions: ['transfer'] },
} satisfies Record<string, KnotKey>;
const ZONE_TEXT = `${defaultZoneText(ZONE)}alias IN CNAME api\nslow 300 IN A 192.0.2.3\n`;

const sent = { udp: 0, tcp: 0, updates: 0 };
const observe = (protocol: 'udp' | 'tcp', message: Buffer) => {
  sent[protocol]++;
  if (((message[2]! >> 3) & 0xf) === OPCODE.UPDATE) sent.updates++;
};

let knot: Promise<Knot> | undefined;
const theKnot = () => (knot ??= startKnot({ zone: ZONE, zoneText: ZONE_TEXT, keys: Object.values(KEYS) }));
after(async () => (await knot)?.stop());

const settingsFor = (port: number, key: KnotKey) => ({
  type: 'rfc2136',
  server: `127.0.0.1:${port}`,
  zone: ZONE,
  timeout: '3s', // Knot sometimes takes about 1 s to answer an UPDATE
  tsig: { name: key.name, algorithm: key.algorithm, secret: key.secret },
});
function providerFor(port: number, key: KnotKey): Provider {
  const config = rfc2136Provider.configSchema.parse(settingsFor(port, key));
  return createRfc2136Provider(config, { userAgent: 'dnsfail-test', baseDir: '/' }, { exchange: createExchange(parseServer(config.server)!, 3000, observe) });
}
const lookup = async (name: string, type: string) => {
  const answers = await dig('127.0.0.1', (await theKnot()).port, name, type);
  return answers.length === 0 ? null : answers;
};

const available = KNOT_TOOLS.every((n) => findTool(n) !== null) || process.env.CI === 'true';
if (available) {
  for (const key of [KEYS.sha256, KEYS.sha512]) {
    let port = 0;
    providerContract({
      kind: `rfc2136 (Knot, ${key.algorithm})`,
      capabilities: rfc2136Provider.capabilities,
      zone: ZONE,
      start: async () => {
        port = (await theKnot()).port;
      },
      stop: async () => {},
      provider: () => providerFor(port, key),
      badAuthProvider: () => providerFor(port, { ...key, secret: secret() }),
      settings: () => settingsFor(port, key),
      lookup,
      mutations: () => sent.updates,
      requests: () => sent.udp + sent.tcp,
    });
  }
} else {
  it('provider contract: rfc2136 (Knot)', (t) => {
    requireTools(t, KNOT_TOOLS, KNOT_INSTALL);
  });
}

describe('rfc2136 provider against a real Knot DNS', { skip: !available && `missing Knot (install: ${KNOT_INSTALL})` }, () => {
  let port: number;
  let seq = 0;
  const name = (label: string) => `${label}-knot-${++seq}.${ZONE}`;
  const ref = (n: string, type: RecordRef['type'] = 'A'): RecordRef => ({ name: n, type });
  const isAuthError = (pattern: RegExp) => (e: unknown) => {
    assert.ok(e instanceof ProviderError, String(e));
    assert.equal(e.kind, 'auth', e.message);
    assert.match(e.message, pattern);
    for (const k of Object.values(KEYS)) assert.ok(!e.message.includes(k.secret), 'no secret in the message');
    return true;
  };

  before(async () => {
    port = (await theKnot()).port;
  });

  it('a key its acl does not let update gets NOTAUTH/BADKEY: the error says it may be known but not allowed, and names the acl', async () => {
    const n = name('readonly');
    const readOnly = providerFor(port, KEYS.readOnly);
    assert.equal(await readOnly.read!(ref(n)), null, 'the key may read');
    await assert.rejects(
      readOnly.write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: null }),
      isAuthError(/BADKEY for key read-only-key \(the server may know the key but not allow it to update .*: give the key an acl rule with action update in zone example\.test/),
    );
    assert.equal(await lookup(n, 'A'), null);
  });

  it('checkWrite: passes for a key that may update, refuses the read-only key with an auth error, and changes nothing', async () => {
    const serial = await dig('127.0.0.1', port, ZONE, 'SOA');
    const before = sent.updates;
    await providerFor(port, KEYS.sha256).checkWrite!(ref(`app.${ZONE}`));
    await providerFor(port, KEYS.sha512).checkWrite!(ref(`app.${ZONE}`, 'AAAA'));
    await assert.rejects(providerFor(port, KEYS.readOnly).checkWrite!(ref(`app.${ZONE}`)), isAuthError(/BADKEY for key read-only-key/));
    assert.equal(sent.updates - before, 3, 'one UPDATE per check');
    assert.deepEqual(await dig('127.0.0.1', port, ZONE, 'SOA'), serial, 'the zone did not change (same serial)');
  });

  it('read reports the TTL Knot serves, and a CNAME at the name with its target', async () => {
    const p = providerFor(port, KEYS.sha256);
    assert.deepEqual(await p.read!(ref(`slow.${ZONE}`)), { values: ['192.0.2.3'], ttl: 300 });
    assert.deepEqual(await p.read!(ref(`alias.${ZONE}`)), { values: [], cname: `api.${ZONE}` });
    await assert.rejects(p.write(ref(`alias.${ZONE}`), { values: ['192.0.2.10'], ttl: 60, previous: null }), (e: unknown) => e instanceof ProviderError && e.kind === 'conflict');
    assert.deepEqual(await dig('127.0.0.1', port, `alias.${ZONE}`, 'CNAME'), [`api.${ZONE}.`]);
  });
});
