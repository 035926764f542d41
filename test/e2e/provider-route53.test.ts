import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startLiveBackup, type Target } from '../helpers/targets.js';
import { FAKE_CREDENTIALS, itConformsToTheServiceModel, startFakeRoute53, type FakeRoute53, type FakeZone } from '../fakes/route53.js';

const NAME = 'app.example.test';

describe('dnsfail check with the route53 provider (built binary, local Route 53 fake)', () => {
  let fake: FakeRoute53;
  let zone: FakeZone;
  let backup: Target;
  let port: number;
  let home: string;
  before(async () => {
    fake = await startFakeRoute53();
    zone = fake.addZone('example.test');
    // The primary's port is closed on 127.0.0.2; the backup listens on the same port on 127.0.0.3.
    backup = await startLiveBackup();
    port = backup.port;
    home = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-r53-home-'));
  });
  after(async () => {
    await backup.close();
    await fake.close();
  });

  const setup = (provider: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-r53-'));
    const configPath = join(dir, 'dnsfail.yaml');
    writeFileSync(
      configPath,
      `providers:
  r53: ${provider}
defaults:
  fall: 1
  rise: 1
records:
  - name: ${NAME}
    ttl: 30
    check: { type: http, port: ${port}, path: /health, timeout: 700ms }
    servers:
      - { address: 127.0.0.2, label: primary }
      - { address: 127.0.0.3, label: backup }
`,
    );
    return { dir, args: ['-c', configPath, '--state', join(dir, 'state.json')] };
  };
  const envCreds = (secret = FAKE_CREDENTIALS.secretAccessKey) => ({ HOME: home, AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: secret });
  const byId = () => `{ type: route53, hostedZoneId: ${zone.id}, endpoint: "${fake.url}" }`;

  it('fails over from the dead primary to the backup, then a second run writes nothing', async () => {
    fake.setRrset(zone.id, { name: NAME, type: 'A', ttl: 30, values: ['127.0.0.2'] });
    const s = setup(byId());
    const before = fake.mutations;
    const r = await runCli(['check', ...s.args], { env: envCreds() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /changed app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3 \(127\.0\.0\.2 \(primary\) is down/);
    assert.deepEqual(fake.getRrset(zone.id, NAME, 'A'), { name: `${NAME}.`, type: 'A', ttl: 30, values: ['127.0.0.3'] });
    assert.equal(fake.mutations - before, 1);
    assert.match(String(fake.requests.at(-1)!.headers['user-agent']), /^dnsfail\//);

    const again = await runCli(['check', ...s.args], { env: envCreds() });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout + again.stderr, '');
    assert.equal(fake.mutations - before, 1, 'no mutating request on the second run');
  });

  it('finds the zone by name and reads the secret from secretAccessKeyFile', async () => {
    fake.setRrset(zone.id, { name: NAME, type: 'A', ttl: 30, values: ['127.0.0.2'] });
    const secretFile = join(mkdtempSync(join(tmpdir(), 'dnsfail-e2e-r53-secret-')), 'aws-secret');
    writeFileSync(secretFile, `${FAKE_CREDENTIALS.secretAccessKey}\n`, { mode: 0o600 });
    const s = setup(`{ type: route53, zone: example.test, endpoint: "${fake.url}", accessKeyId: ${FAKE_CREDENTIALS.accessKeyId}, secretAccessKeyFile: ${JSON.stringify(secretFile)} }`);
    const r = await runCli(['check', ...s.args], { env: { HOME: home } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fake.getRrset(zone.id, NAME, 'A')?.values, ['127.0.0.3']);
  });

  it('a rejected secret: exit 1, the error named, the secret never printed, the record untouched', async () => {
    fake.setRrset(zone.id, { name: NAME, type: 'A', ttl: 30, values: ['127.0.0.2'] });
    const secret = 'Wrong+Secret/e2e0123456789abcdefghijklm';
    const s = setup(byId());
    const r = await runCli(['check', '--json', ...s.args], { env: envCreds(secret) });
    assert.equal(r.code, 1);
    const out = r.stdout + r.stderr;
    assert.match(out, /HTTP 403 SignatureDoesNotMatch/);
    assert.ok(!out.includes(secret), 'secret printed');
    assert.ok(!out.includes('AWS4-HMAC-SHA256'), 'Authorization header printed');
    assert.deepEqual(fake.getRrset(zone.id, NAME, 'A')?.values, ['127.0.0.2']);
  });

  it('no credentials anywhere: exit 1 with the places looked, and no request', async () => {
    const s = setup(byId());
    const before = fake.requests.length;
    const r = await runCli(['check', ...s.args], { env: { HOME: home } });
    assert.equal(r.code, 1);
    assert.match(r.stderr + r.stdout, /no AWS credentials found .*AWS_ACCESS_KEY_ID/);
    assert.equal(fake.requests.length, before);
  });

  it('validate: hostedZoneId and zone together are a config error (exit 2)', async () => {
    const s = setup(`{ type: route53, hostedZoneId: Z1, zone: example.test }`);
    const r = await runCli(['validate', '-c', s.args[1]!]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /providers\.r53\.hostedZoneId: give either hostedZoneId or zone/);
  });
  itConformsToTheServiceModel(() => fake);
});
