import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startHttpTarget, type Target } from '../helpers/targets.js';
import { startAzureFake, type AzureFake } from '../fakes/azure.js';
import { writeFailoverConfig } from '../helpers/failover-config.js';

const SECRET = `az-e2e-${randomBytes(16).toString('hex')}`;
const IDS = { subscriptionId: '00000000-1111-2222-3333-444444444444', resourceGroup: 'dns-rg', tenantId: 'tenant-e2e', clientId: 'client-e2e' };

describe('dnsfail with type: azure (built binary, fake Azure DNS on loopback)', () => {
  let fake: AzureFake;
  let live: Target;
  before(async () => {
    fake = await startAzureFake({ ...IDS, clientSecret: SECRET, zones: ['example.test'] });
    // Only 127.0.0.3 listens on this port: 127.0.0.2 (the primary) refuses connections.
    live = await startHttpTarget({ host: '127.0.0.3' });
  });
  after(async () => {
    console.log(`azure e2e: ${fake.arm.requests.length} ARM requests validated against dns.json 2018-05-01`);
    assert.deepEqual(fake.arm.violations, []);
    await live.close();
    await fake.close();
  });

  const setup = (secretLine: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-az-'));
    return { dir, args: writeFailoverConfig(dir, `  az:
    type: azure
    subscriptionId: ${IDS.subscriptionId}
    resourceGroup: ${IDS.resourceGroup}
    zone: example.test
    tenantId: ${IDS.tenantId}
    clientId: ${IDS.clientId}
${secretLine}
    endpoint: ${fake.url}
    loginEndpoint: ${fake.loginUrl}`, `{ type: http, port: ${live.port}, path: /health, timeout: 700ms }`) };
  };

  it('creates the record on the healthy server, then holds it with no write; doctor checks read and write permission', async () => {
    const s = setup('    clientSecret: "${AZURE_CLIENT_SECRET}"');
    const env = { AZURE_CLIENT_SECRET: SECRET };
    const first = await runCli(['check', ...s.args], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /app\.example\.test A/);
    assert.deepEqual(fake.lookup('app.example.test', 'A'), ['127.0.0.3']);
    assert.equal(fake.set('app.example.test', 'A')!.properties.TTL, 60);

    const mutations = fake.mutations();
    const second = await runCli(['check', ...s.args], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout + second.stderr, '', 'silent when in sync');
    assert.equal(fake.mutations(), mutations, 'no write on the second run');

    const doctor = await runCli(['doctor', ...s.args], { env });
    assert.match(doctor.stdout, /✔ the credentials may update this record/);
    assert.equal(fake.mutations(), mutations, 'doctor changed nothing');
    for (const out of [first, second, doctor]) assert.ok(!(out.stdout + out.stderr).includes(SECRET));
  });

  it('fails over when the record points at the dead primary (If-Match on the etag it read)', async () => {
    fake.put('app.example.test', 'A', { TTL: 60, ARecords: [{ ipv4Address: '127.0.0.2' }] });
    const etag = fake.set('app.example.test', 'A')!.etag;
    const s = setup('    clientSecret: "${AZURE_CLIENT_SECRET}"');
    const from = fake.arm.requests.length;
    const r = await runCli(['check', ...s.args], { env: { AZURE_CLIENT_SECRET: SECRET } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /changed app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3/);
    const put = fake.arm.requests.slice(from).find((q) => q.method === 'PUT')!;
    assert.equal(put.headers['if-match'], etag);
    assert.deepEqual(fake.lookup('app.example.test', 'A'), ['127.0.0.3']);
  });

  it('a rejected client secret (from clientSecretFile): exit 1, one line with the fix, no stack, no secret', async () => {
    const wrong = `az-wrong-${randomBytes(16).toString('hex')}`;
    const s = setup('    clientSecretFile: ./az-secret');
    writeFileSync(join(s.dir, 'az-secret'), `${wrong}\n`, { mode: 0o600 });
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /AADSTS7000215[^\n]*check tenantId, clientId and clientSecret/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
    assert.ok(!(r.stdout + r.stderr).includes(wrong));
    assert.ok(!readFileSync(join(s.dir, 'state.json'), 'utf8').includes(wrong));
  });
});
