import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startHttpTarget, type Target } from '../helpers/targets.js';
import { startGoogleFake, type GoogleFake } from '../fakes/googleclouddns.js';
import { writeFailoverConfig } from '../helpers/failover-config.js';

describe('dnsfail with type: googleclouddns (built binary, fake Cloud DNS on loopback)', () => {
  let fake: GoogleFake;
  let live: Target;
  before(async () => {
    fake = await startGoogleFake({ project: 'dnsfail-e2e', zones: { 'example-test': 'example.test' } });
    // Only 127.0.0.3 listens on this port: 127.0.0.2 (the primary) refuses connections.
    live = await startHttpTarget({ host: '127.0.0.3' });
  });
  after(async () => {
    console.log(`googleclouddns e2e: ${fake.api.requests.length} Cloud DNS requests validated against the dns v1 discovery transcription`);
    assert.deepEqual(fake.api.violations, []);
    await live.close();
    await fake.close();
  });

  const setup = (keyJson: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-gcp-'));
    writeFileSync(join(dir, 'sa.json'), keyJson, { mode: 0o600 });
    return { dir, args: writeFailoverConfig(dir, `  gcp:
    type: googleclouddns
    project: dnsfail-e2e
    managedZone: example-test
    serviceAccountKeyFile: ./sa.json
    endpoint: ${fake.url}
    tokenEndpoint: ${fake.tokenUrl}`, `{ type: http, port: ${live.port}, path: /health, timeout: 700ms }`) };
  };

  it('fails over from the dead primary with one change, then holds it with no write; doctor reads with the key', async () => {
    fake.put('app.example.test', 'A', ['127.0.0.2'], 300);
    const s = setup(fake.keyJson);
    const first = await runCli(['check', ...s.args]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /changed app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3/);
    assert.deepEqual(fake.rrset('app.example.test', 'A'), { name: 'app.example.test.', type: 'A', ttl: 60, rrdatas: ['127.0.0.3'] });

    const changes = fake.changes;
    const second = await runCli(['check', ...s.args]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout + second.stderr, '', 'silent when in sync');
    assert.equal(fake.changes, changes, 'no change on the second run');

    const doctor = await runCli(['doctor', ...s.args]);
    assert.doesNotMatch(doctor.stdout, /provider read failed/);
    assert.match(doctor.stdout, /app\.example\.test/);
    assert.equal(fake.changes, changes, 'doctor changed nothing');
    const privateKey = (JSON.parse(fake.keyJson) as { private_key: string }).private_key.split('\n')[1]!;
    for (const out of [first, second, doctor]) assert.ok(!(out.stdout + out.stderr).includes(privateKey));
  });

  it('a deleted key: exit 1, one line naming the fix, no stack', async () => {
    const s = setup(fake.unknownKeyJson);
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /invalid_grant: Invalid JWT Signature\.; check the service-account key/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
    const privateKey = (JSON.parse(fake.unknownKeyJson) as { private_key: string }).private_key.split('\n')[1]!;
    assert.ok(!(r.stdout + r.stderr + readFileSync(join(s.dir, 'state.json'), 'utf8')).includes(privateKey));
  });

  it('a file that is not a service-account key: exit 2 naming the key, before any request', async () => {
    const s = setup('{"type":"authorized_user"}');
    const before = fake.requests();
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /serviceAccountKey.*not a service-account key/);
    assert.equal(fake.requests(), before);
  });
});
