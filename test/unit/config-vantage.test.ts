import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildConfig } from '../../src/config/load.js';
import { hostVantageId } from '../../src/config/vantage.js';
import { parseConfigText } from '../../src/config/yaml-source.js';
import { ConfigError } from '../../src/errors.js';

const load = (vantage: string, providers = '  local: { type: zonefile, file: ./z.zone, zone: example.test }', env: Record<string, string> = {}) =>
  buildConfig(parseConfigText(`providers:\n${providers}\nrecords:\n  - name: app.example.test\n    provider: local\n    servers: [192.0.2.1, 192.0.2.2]\n${vantage}`, 'dnsfail.yaml'), '/tmp', env);
const fails = async (vantage: string, message: RegExp, providers?: string) => {
  await assert.rejects(load(vantage, providers), (e: unknown) => e instanceof ConfigError && message.test(e.message));
};

describe('config: vantage (several checkers)', () => {
  it('takes the id from DNSFAIL_VANTAGE, the quorum defaults to a majority, staleAfter to 10 minutes', async () => {
    const c = await load('vantage:\n  id: ${DNSFAIL_VANTAGE:-}\n  peers: [home, gh-actions, k8s-eu]', undefined, { DNSFAIL_VANTAGE: 'gh-actions' });
    assert.deepEqual(c.vantage, { id: 'gh-actions', peers: ['home', 'gh-actions', 'k8s-eu'], quorum: 2, staleAfterMs: 600_000 });
  });

  it('store and zone: votes in a provider and zone of their own', async () => {
    const c = await load('vantage:\n  id: home\n  peers: [home, gh]\n  quorum: 1\n  staleAfter: 5m\n  store: votes\n  zone: votes.internal.', '  local: { type: dyndns2, server: "https://127.0.0.1", username: u, password: p }\n  votes: { type: zonefile, file: ./v.zone, zone: votes.internal }');
    assert.deepEqual(c.vantage, { id: 'home', peers: ['home', 'gh'], quorum: 1, staleAfterMs: 300_000, store: 'votes', zone: 'votes.internal' });
  });

  it('refuses, naming the key and the fix: an id not in peers, a bad or repeated peer, a quorum beyond the peers, a short staleAfter', async () => {
    await fails('vantage:\n  id: laptop\n  peers: [home, gh]', /vantage\.id gives the id "laptop", which is not in vantage\.peers \(home, gh\); set id/);
    await fails('vantage:\n  id: home\n  peers: [home, "Bad Id"]', /"Bad Id" is not a vantage id/);
    await fails('vantage:\n  id: home\n  peers: [home, home]', /home is listed twice/);
    await fails('vantage:\n  id: home\n  peers: [home, gh]\n  quorum: 3', /3 is more than the 2 peers could ever vote/);
    await fails('vantage:\n  id: home\n  peers: [home, gh]\n  staleAfter: 10s', /staleAfter.*at least 30s/);
  });

  it('a write-only provider needs a store that can keep votes', async () => {
    const dyndns2 = '  local: { type: dyndns2, server: "https://127.0.0.1", username: u, password: p }';
    await fails('vantage:\n  id: home\n  peers: [home, gh]', /records on provider "local" \(dyndns2\) need somewhere to keep votes: dyndns2 cannot read and write TXT records; set vantage\.store/, dyndns2);
    await fails('vantage:\n  id: home\n  peers: [home, gh]\n  store: local', /provider "local" \(dyndns2\) cannot hold votes/, dyndns2);
    await fails('vantage:\n  id: home\n  peers: [home, gh]\n  store: nowhere', /provider "nowhere" is not defined under providers/, dyndns2);
  });

  it('a store limited to one zone must hold the vote names: refused with the vantage.zone that fixes it', async () => {
    const providers = '  local: { type: dyndns2, server: "https://127.0.0.1", username: u, password: p }\n  votes: { type: rfc2136, server: "127.0.0.1", zone: votes.internal }';
    await fails('vantage:\n  id: home\n  peers: [home, gh]\n  store: votes', /vantage\.store: votes on app\.example\.test would be named home\._dnsfail\.app\.example\.test, outside zone votes\.internal of provider "votes" \(rfc2136\); set vantage\.zone: votes\.internal/, providers);
    await fails('vantage:\n  id: home\n  peers: [home, gh]\n  store: votes\n  zone: other.internal', /vantage\.zone: votes on app\.example\.test would be named home\._dnsfail\.app\.example\.test\.other\.internal, outside zone votes\.internal/, providers);
    await fails('vantage:\n  id: home\n  peers: [home, gh]\n  zone: votes.internal', /vantage\.zone: .*outside zone example\.test of provider "local" \(zonefile\)/);
  });

  it('a record outside the zone of a provider limited to one is refused, naming the record', async () => {
    await assert.rejects(
      load('', '  local: { type: zonefile, file: ./z.zone, zone: example.org }'),
      (e: unknown) => e instanceof ConfigError && /records\[0\]\.name: app\.example\.test is not inside zone example\.org of provider "local" \(zonefile\)/.test(e.message),
    );
  });

  it('the host name as an id: its first label, lower case, other characters as -', () => {
    assert.equal(hostVantageId('Build_Host-01.corp.example'), 'build-host-01');
  });
});
