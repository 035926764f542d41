import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startHttpTarget, type Target } from '../helpers/targets.js';
import { startOvhFake, type OvhFake } from '../fakes/ovh.js';
import { writeFailoverConfig } from '../helpers/failover-config.js';

const KEYS = { applicationKey: 'e2eAPPkey0123456', applicationSecret: 'e2eAPPsecret0123456789abcdef0123', consumerKey: 'e2eCONSUMER0123456789abcdef01234' };

describe('dnsfail with type: ovh (built binary, fake OVHcloud API on loopback)', () => {
  let fake: OvhFake;
  let live: Target;
  before(async () => {
    fake = await startOvhFake({ zones: ['example.test'], ...KEYS });
    // Only 127.0.0.3 listens on this port: 127.0.0.2 (the primary) refuses connections.
    live = await startHttpTarget({ host: '127.0.0.3' });
  });
  after(async () => {
    console.log(`ovh e2e: ${fake.mock.requests.length} requests validated against the OVH /1.0/domain.json transcription`);
    assert.deepEqual(fake.mock.violations, []);
    await live.close();
    await fake.close();
  });

  const setup = (consumerKey: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-ovh-'));
    writeFileSync(join(dir, 'ovh-ck'), `${consumerKey}\n`, { mode: 0o600 });
    return { dir, args: writeFailoverConfig(dir, `  ovh:
    type: ovh
    zone: example.test
    endpoint: ${fake.url}
    applicationKey: ${KEYS.applicationKey}
    applicationSecret: "\${OVH_APP_SECRET}"
    consumerKeyFile: ./ovh-ck`, `{ type: http, port: ${live.port}, path: /health, timeout: 700ms }`) };
  };
  const env = { OVH_APP_SECRET: KEYS.applicationSecret };

  it('fails over in place (same record id), refreshes the zone, then holds it with no write; doctor reads', async () => {
    const seeded = fake.add('app.example.test', 'A', '127.0.0.2', 60);
    const s = setup(KEYS.consumerKey);
    const first = await runCli(['check', ...s.args], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /changed app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3/);
    assert.deepEqual(fake.records('app.example.test', 'A').map((r) => [r.id, r.target]), [[seeded.id, '127.0.0.3']]);
    assert.deepEqual(fake.lookup('app.example.test', 'A'), ['127.0.0.3'], 'published by the refresh');

    const mutations = fake.mutations();
    const second = await runCli(['check', ...s.args], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout + second.stderr, '', 'silent when in sync');
    assert.equal(fake.mutations(), mutations, 'no write or refresh on the second run');

    const doctor = await runCli(['doctor', ...s.args], { env });
    assert.doesNotMatch(doctor.stdout, /provider read failed/);
    assert.equal(fake.mutations(), mutations, 'doctor changed nothing');
    for (const out of [first, second, doctor]) assert.ok(!(out.stdout + out.stderr).includes(KEYS.applicationSecret) && !(out.stdout + out.stderr).includes(KEYS.consumerKey));
  });

  it('a revoked consumer key: exit 1, one line naming the fix, no stack, no key', async () => {
    const revoked = 'revokedCK0123456789abcdef0123456';
    const s = setup(revoked);
    const r = await runCli(['check', ...s.args], { env });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /INVALID_CREDENTIAL: This credential is not valid \(check applicationKey, applicationSecret and consumerKey/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
    assert.ok(!(r.stdout + r.stderr + readFileSync(join(s.dir, 'state.json'), 'utf8')).includes(revoked));
  });
});
