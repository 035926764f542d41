import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { freePort, startTcpTarget, type TcpTarget } from '../helpers/targets.js';
import { startHetznerFake, type HetznerFake } from '../fakes/hetzner.js';
import { writeFailoverConfig } from '../helpers/failover-config.js';

const TOKEN = `hcloud-e2e-${randomBytes(16).toString('hex')}`;

describe('dnsfail with type: hetzner (built binary, fake Hetzner API on loopback)', () => {
  let fake: HetznerFake;
  let live: TcpTarget;
  before(async () => {
    fake = await startHetznerFake({ token: TOKEN, zones: ['example.test'] });
    // Only 127.0.0.3 listens on this port: 127.0.0.2 (the primary) refuses connections.
    live = await startTcpTarget({ host: '127.0.0.3' });
  });
  after(async () => {
    await live.close();
    await fake.close();
    console.log(`hetzner e2e: ${fake.mock.requests.length} requests validated against test/fixtures/api-specs/hetzner/hcloud-dns.json`);
    assert.deepEqual(fake.mock.violations, []);
  });

  const setup = (name: string, provider = '    token: "${HCLOUD_TOKEN}"') => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-hetzner-'));
    return { dir, args: writeFailoverConfig(dir, `  d:\n    type: hetzner\n${provider}\n    endpoint: ${fake.url}`, `{ type: tcp, port: ${live.port}, timeout: 700ms }`, name) };
  };

  it('fails over from the dead primary, then holds the record with no write; doctor checks the credentials by a read', async () => {
    fake.setRrset('app.example.test', 'A', ['127.0.0.2'], 60);
    const s = setup('app.example.test');
    const env = { HCLOUD_TOKEN: TOKEN };
    const first = await runCli(['check', ...s.args], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /changed app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3 \(127\.0\.0\.2 \(primary\) is down/);
    assert.deepEqual(fake.rrset('app.example.test', 'A'), { ttl: 60, values: ['127.0.0.3'] });
    const mutations = fake.mutations();
    const second = await runCli(['check', ...s.args], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout + second.stderr, '', 'silent when in sync');
    assert.equal(fake.mutations(), mutations, 'no write on the second run');
    const doctor = await runCli(['doctor', '--resolver', `127.0.0.1:${await freePort('127.0.0.1')}`, ...s.args], { env });
    assert.match(doctor.stdout, /✔ credentials work: the provider answered a read/);
    assert.equal(fake.mutations(), mutations, 'doctor writes nothing');
    for (const r of [first, second, doctor]) assert.ok(!(r.stdout + r.stderr).includes(TOKEN));
    assert.ok(fake.mock.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}` && /^dnsfail\//.test(String(r.headers['user-agent']))));
  });

  it('creates a missing record', async () => {
    const s = setup('new.example.test');
    const r = await runCli(['check', ...s.args], { env: { HCLOUD_TOKEN: TOKEN } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fake.lookup('new.example.test', 'A'), ['127.0.0.3']);
  });

  it('a rejected token (from tokenFile) exits 1 with one line naming Hetzner and the fix, no stack, no token', async () => {
    const wrong = `hcloud-wrong-${randomBytes(16).toString('hex')}`;
    const s = setup('app.example.test', '    tokenFile: ./hetzner-token');
    writeFileSync(join(s.dir, 'hetzner-token'), `${wrong}\n`, { mode: 0o600 });
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /Hetzner HTTP 401: unable to authenticate \(unauthorized\) \(token rejected: use an API token of the Hetzner Console project that holds the zone\)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
    assert.ok(!(r.stdout + r.stderr).includes(wrong));
    assert.ok(!readFileSync(join(s.dir, 'state.json'), 'utf8').includes(wrong));
  });
});
