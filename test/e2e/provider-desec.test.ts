import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { freePort, startTcpTarget, type TcpTarget } from '../helpers/targets.js';
import { startDesecFake, type DesecFake } from '../fakes/desec.js';
import { writeFailoverConfig } from '../helpers/failover-config.js';

const TOKEN = `desece2e${randomBytes(12).toString('hex')}`;

describe('dnsfail with type: desec (built binary, fake deSEC API on loopback)', () => {
  let fake: DesecFake;
  let live: TcpTarget;
  before(async () => {
    fake = await startDesecFake({ token: TOKEN, domains: ['example.test'], minimumTtl: 60 });
    // Only 127.0.0.3 listens on this port: 127.0.0.2 (the primary) refuses connections.
    live = await startTcpTarget({ host: '127.0.0.3' });
  });
  after(async () => {
    await live.close();
    await fake.close();
    console.log(`desec e2e: ${fake.mock.requests.length} requests validated against test/fixtures/api-specs/desec/desec-rrsets.json`);
    assert.deepEqual(fake.mock.violations, []);
  });

  const setup = (name: string, provider = '    token: "${DESEC_TOKEN}"') => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-desec-'));
    return { dir, args: writeFailoverConfig(dir, `  d:\n    type: desec\n${provider}\n    endpoint: ${fake.url}\n    minimumTtl: 60`, `{ type: tcp, port: ${live.port}, timeout: 700ms }`, name) };
  };

  it('fails over from the dead primary, then holds the record with no write; doctor checks the credentials by a read', async () => {
    fake.setRrset('app.example.test', 'A', ['127.0.0.2'], 60);
    const s = setup('app.example.test');
    const env = { DESEC_TOKEN: TOKEN };
    const first = await runCli(['check', ...s.args], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /changed app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3 \(127\.0\.0\.2 \(primary\) is down/);
    assert.deepEqual(fake.rrset('app.example.test', 'A'), { ttl: 60, records: ['127.0.0.3'] });
    const mutations = fake.mutations();
    const second = await runCli(['check', ...s.args], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout + second.stderr, '', 'silent when in sync');
    assert.equal(fake.mutations(), mutations, 'no write on the second run');
    const doctor = await runCli(['doctor', '--resolver', `127.0.0.1:${await freePort('127.0.0.1')}`, ...s.args], { env });
    assert.match(doctor.stdout, /✔ credentials work: the provider answered a read/);
    assert.equal(fake.mutations(), mutations, 'doctor writes nothing');
    for (const r of [first, second, doctor]) assert.ok(!(r.stdout + r.stderr).includes(TOKEN));
    assert.ok(fake.mock.requests.every((r) => r.headers.authorization === `Token ${TOKEN}` && /^dnsfail\//.test(String(r.headers['user-agent']))));
  });

  it('creates a missing record', async () => {
    const s = setup('new.example.test');
    const r = await runCli(['check', ...s.args], { env: { DESEC_TOKEN: TOKEN } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fake.lookup('new.example.test', 'A'), ['127.0.0.3']);
  });

  it('a rejected token (from tokenFile) exits 1 with one line naming deSEC and the fix, no stack, no token', async () => {
    const wrong = `desecwrong${randomBytes(12).toString('hex')}`;
    const s = setup('app.example.test', '    tokenFile: ./desec-token');
    writeFileSync(join(s.dir, 'desec-token'), `${wrong}\n`, { mode: 0o600 });
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /deSEC HTTP 401: Invalid token\. \(token rejected: check the token, sent as "Authorization: Token <token>"\)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
    assert.ok(!(r.stdout + r.stderr).includes(wrong));
    assert.ok(!readFileSync(join(s.dir, 'state.json'), 'utf8').includes(wrong));
  });
});
