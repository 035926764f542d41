import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startHttpTarget, type Target } from '../helpers/targets.js';
import { startDigitalOceanFake, type DigitalOceanFake } from '../fakes/digitalocean.js';

const TOKEN = `dop_v1_${randomBytes(32).toString('hex')}`;

describe('dnsfail with type: digitalocean (built binary, fake DigitalOcean API on loopback)', () => {
  let fake: DigitalOceanFake;
  let live: Target;
  before(async () => {
    fake = await startDigitalOceanFake({ token: TOKEN, domains: ['example.test'] });
    // Only 127.0.0.3 listens on this port: 127.0.0.2 (the primary) refuses connections.
    live = await startHttpTarget({ host: '127.0.0.3' });
  });
  after(async () => {
    assert.deepEqual(fake.mock.violations, [], 'requests or answers that break DigitalOcean\'s OpenAPI');
    console.log(`digitalocean e2e: ${fake.mock.requests.length} requests validated against test/fixtures/api-specs/digitalocean/domain-records.openapi.json`);
    await live.close();
    await fake.close();
  });

  const setup = (name: string, provider = '    token: "${DO_TOKEN}"') => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-do-'));
    const configPath = join(dir, 'dnsfail.yaml');
    writeFileSync(
      configPath,
      `providers:
  do:
    type: digitalocean
${provider}
    endpoint: ${fake.url}
defaults:
  fall: 1
  rise: 1
records:
  - name: ${name}
    ttl: 60
    check: { type: http, port: ${live.port}, path: /health, timeout: 700ms }
    servers:
      - { address: 127.0.0.2, label: primary }
      - { address: 127.0.0.3, label: backup }
`,
    );
    return { dir, args: ['-c', configPath, '--state', join(dir, 'state.json')] };
  };
  const env = { DO_TOKEN: TOKEN };

  it('fails over from the dead primary with one PUT of the same record, then holds it with no write', async () => {
    const seeded = fake.addRecord('example.test', { type: 'A', name: 'app', data: '127.0.0.2', ttl: 300 });
    const s = setup('app.example.test');
    const start = fake.mock.requests.length;
    const first = await runCli(['check', ...s.args], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /changed app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3 \(127\.0\.0\.2 \(primary\) is down/);
    assert.deepEqual(fake.records('app.example.test', 'A').map((r) => [r.id, r.data, r.ttl]), [[seeded.id, '127.0.0.3', 60]]);

    const mutations = fake.mutations();
    const second = await runCli(['check', ...s.args], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout + second.stderr, '', 'silent when in sync');
    assert.equal(fake.mutations(), mutations, 'no mutating request on the second run');
    for (const r of fake.mock.requests.slice(start)) {
      assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
      assert.match(String(r.headers['user-agent']), /^dnsfail\//);
    }
    for (const out of [first, second]) assert.ok(!(out.stdout + out.stderr).includes(TOKEN));
  });

  it('creates a missing record, and doctor then checks the credentials by a read', async () => {
    const s = setup('new.example.test');
    const check = await runCli(['check', ...s.args], { env });
    assert.equal(check.code, 0, check.stderr);
    assert.deepEqual(fake.lookup('new.example.test', 'A'), ['127.0.0.3']);
    const doctor = await runCli(['doctor', '--interval', '1m', ...s.args], { env });
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
    assert.match(doctor.stdout, /credentials work: the provider answered a read/);
    assert.match(doctor.stdout, /the record exists: 127\.0\.0\.3 \(TTL 60\)/);
    assert.match(doctor.stdout, /everything holds/);
  });

  it('a rejected token (from tokenFile): exit 1, one line naming the fix, no stack, the token nowhere', async () => {
    const wrong = `dop_v1_${randomBytes(32).toString('hex')}`;
    const s = setup('app.example.test', '    tokenFile: ./do-token');
    writeFileSync(join(s.dir, 'do-token'), `${wrong}\n`, { mode: 0o600 });
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /HTTP 401: Unable to authenticate you \(unauthorized\) \(token rejected: create a personal access token/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
    assert.ok(!(r.stdout + r.stderr).includes(wrong));
    assert.ok(!readFileSync(join(s.dir, 'state.json'), 'utf8').includes(wrong));
    const doctor = await runCli(['doctor', '--interval', '1m', ...s.args]);
    assert.equal(doctor.code, 1);
    assert.match(doctor.stdout, /the provider read failed: .*HTTP 401.*\n\s+fix: check the credentials/);
  });
});
