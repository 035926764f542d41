import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { freePort, startTcpTarget, type TcpTarget } from '../helpers/targets.js';
import { GANDI_SPEC_SOURCE, startGandiFake, type GandiFake } from '../fakes/gandi.js';
import { writeFailoverConfig } from '../helpers/failover-config.js';

const TOKEN = `pat_e2e${randomBytes(12).toString('hex')}`;

describe('dnsfail with type: gandi (built binary, fake LiveDNS API on loopback)', () => {
  let fake: GandiFake;
  let live: TcpTarget;
  before(async () => {
    fake = await startGandiFake({ token: TOKEN, domains: ['example.test'] });
    // Only 127.0.0.3 listens on this port: 127.0.0.2 (the primary) refuses connections.
    live = await startTcpTarget({ host: '127.0.0.3' });
  });
  after(async () => {
    await live.close();
    await fake.close();
    console.log(`gandi e2e: ${fake.mock.validated} requests validated against ${GANDI_SPEC_SOURCE}`);
    assert.deepEqual(fake.mock.violations, []);
  });

  const setup = (name: string, provider = '    token: "${GANDI_TOKEN}"') => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-gandi-'));
    return { dir, args: writeFailoverConfig(dir, `  g:\n    type: gandi\n${provider}\n    endpoint: ${fake.url}`, `{ type: tcp, port: ${live.port}, timeout: 700ms }`, name) };
  };

  it('fails over from the dead primary (TTL 60 stored as 300), then holds the record with no write; doctor checks the credentials by a read', async () => {
    fake.setRrset('app.example.test', 'A', ['127.0.0.2'], 300);
    const s = setup('app.example.test');
    const env = { GANDI_TOKEN: TOKEN };
    const first = await runCli(['check', ...s.args], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /changed app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3 \(127\.0\.0\.2 \(primary\) is down/);
    assert.deepEqual(fake.rrset('app.example.test', 'A'), { ttl: 300, values: ['127.0.0.3'] });
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
    const r = await runCli(['check', ...s.args], { env: { GANDI_TOKEN: TOKEN } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fake.lookup('new.example.test', 'A'), ['127.0.0.3']);
  });

  it('a rejected token (from tokenFile) exits 1 with one line naming Gandi and the fix, no stack, no token', async () => {
    const wrong = `pat_wrong${randomBytes(12).toString('hex')}`;
    const s = setup('app.example.test', '    tokenFile: ./gandi-token');
    writeFileSync(join(s.dir, 'gandi-token'), `${wrong}\n`, { mode: 0o600 });
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /Gandi HTTP 401: Unauthorized: .*\(token rejected: check the personal access token, sent as "Authorization: Bearer <token>"; API keys are not supported\)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
    assert.ok(!(r.stdout + r.stderr).includes(wrong));
    assert.ok(!readFileSync(join(s.dir, 'state.json'), 'utf8').includes(wrong));
  });
});
