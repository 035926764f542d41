import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startHttpTarget, type Target } from '../helpers/targets.js';
import { assertConforms, startCloudflareFake, type CloudflareFake } from '../fakes/cloudflare.js';

const TOKEN = `cf-e2e-${randomBytes(16).toString('hex')}`;

describe('dnsfail check with type: cloudflare (built binary, fake Cloudflare API on loopback)', () => {
  let fake: CloudflareFake;
  let live: Target;
  before(async () => {
    fake = await startCloudflareFake({ token: TOKEN, zones: ['example.test'] });
    // Only 127.0.0.3 listens on this port: 127.0.0.2 (the primary) refuses connections.
    live = await startHttpTarget({ host: '127.0.0.3' });
  });
  after(async () => {
    await live.close();
    await fake.close();
    assertConforms(fake, 'e2e');
  });

  const setup = (provider: string, ttl = 60) => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-cf-'));
    const configPath = join(dir, 'dnsfail.yaml');
    writeFileSync(
      configPath,
      `providers:
  cf:
${provider}
    endpoint: ${fake.url}
defaults:
  fall: 1
  rise: 1
records:
  - name: app.example.test
    ttl: ${ttl}
    check: { type: http, port: ${live.port}, path: /health, timeout: 700ms }
    servers:
      - { address: 127.0.0.2, label: primary }
      - { address: 127.0.0.3, label: backup }
`,
    );
    return { dir, args: ['-c', configPath, '--state', join(dir, 'state.json')] };
  };

  it('fails over from the dead primary by patching the record in place, then holds it with no write', async () => {
    const seeded = fake.addRecord('example.test', { type: 'A', name: 'app.example.test', content: '127.0.0.2', ttl: 300, comment: 'origin, set up by hand' });
    const s = setup('    type: cloudflare\n    token: "${CF_API_TOKEN}"');
    const env = { CF_API_TOKEN: TOKEN };
    const start = fake.requests.length;

    const first = await runCli(['check', ...s.args], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /changed app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3 \(127\.0\.0\.2 \(primary\) is down/);
    const [record, ...others] = fake.records('app.example.test', 'A');
    assert.equal(others.length, 0);
    assert.equal(record!.id, seeded.id, 'updated in place');
    assert.equal(record!.content, '127.0.0.3');
    assert.equal(record!.ttl, 60);
    assert.equal(record!.comment, 'origin, set up by hand');

    const mutations = fake.mutations;
    const second = await runCli(['check', ...s.args], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout + second.stderr, '', 'silent when in sync');
    assert.equal(fake.mutations, mutations, 'no mutating request on the second run');

    const json = await runCli(['check', '--json', ...s.args], { env });
    assert.deepEqual(JSON.parse(json.stdout).records[0].current, ['127.0.0.3']);
    for (const r of fake.requests.slice(start)) {
      assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
      assert.match(String(r.headers['user-agent']), /^dnsfail\//);
    }
    for (const out of [first, second, json]) assert.ok(!(out.stdout + out.stderr).includes(TOKEN));
  });

  it('a record on "auto" TTL is corrected to the config\'s TTL after Cloudflare\'s 60 s minimum, which validate states', async () => {
    fake.addRecord('example.test', { type: 'A', name: 'ttl-auto.example.test', content: '127.0.0.3', ttl: 1 });
    const s = setup('    type: cloudflare\n    token: "${CF_API_TOKEN}"', 30);
    const config = readFileSync(s.args[1]!, 'utf8').replace('name: app.example.test', 'name: ttl-auto.example.test');
    writeFileSync(s.args[1]!, config);
    const env = { CF_API_TOKEN: TOKEN };
    const v = await runCli(['validate', ...s.args], { env });
    assert.match(v.stdout, /note: ttl-auto\.example\.test A: ttl 30 is stored as 60 by cloudflare, so 60 is what "in sync" means/);
    const first = await runCli(['check', ...s.args], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /corrected the TTL of ttl-auto\.example\.test A: 1s → 60s \(holds 127\.0\.0\.3\)/);
    assert.equal(fake.records('ttl-auto.example.test', 'A')[0]!.ttl, 60);
    const mutations = fake.mutations;
    const second = await runCli(['check', ...s.args], { env });
    assert.equal(second.stdout + second.stderr, '', 'in sync at the clamped TTL: no write every run');
    assert.equal(fake.mutations, mutations);
  });

  it('reads the token from tokenFile; a rejected token exits 1 with an auth error that does not show it', async () => {
    const wrong = `cf-wrong-${randomBytes(16).toString('hex')}`;
    const s = setup('    type: cloudflare\n    tokenFile: ./cf-token');
    writeFileSync(join(s.dir, 'cf-token'), `${wrong}\n`, { mode: 0o600 });
    const start = fake.requests.length;
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /HTTP 403: Invalid access token \(9109\)/);
    assert.ok(!(r.stdout + r.stderr).includes(wrong));
    assert.equal(fake.requests.slice(start)[0]?.headers.authorization, `Bearer ${wrong}`, 'the file\'s content without its newline');
    assert.ok(!readFileSync(join(s.dir, 'state.json'), 'utf8').includes(wrong), 'the state file does not hold it');
  });
});

describe('dnsfail check with type: cloudflare against spec-exact 2024 answers: 55 zones, records over several pages', () => {
  let fake: CloudflareFake;
  let live: Target;
  const zones = Array.from({ length: 55 }, (_, i) => `zone${String(i).padStart(2, '0')}.test`);
  before(async () => {
    // result_info as the 2024 spec has it: count, page, per_page, total_count, and no total_pages.
    fake = await startCloudflareFake({ token: TOKEN, zones, envelope: '2024' });
    for (let i = 0; i < 6; i++) fake.addRecord('zone53.test', { type: 'TXT', name: `note${i}.zone53.test`, content: `filler ${i}` });
    fake.addRecord('zone53.test', { type: 'A', name: 'app.zone53.test', content: '127.0.0.2', ttl: 60, comment: 'origin, set up by hand' });
    fake.addRecord('zone53.test', { type: 'A', name: 'api.zone53.test', content: '127.0.0.2', ttl: 60, comment: 'origin, set up by hand' });
    fake.setMaxPerPage(3);
    live = await startHttpTarget({ host: '127.0.0.3' });
  });
  after(async () => {
    await live.close();
    await fake.close();
    assertConforms(fake, 'e2e 2024 paging');
  });

  it('finds the 54th zone and the records on the last page, patches them in place, posts nothing, then holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-cf-pages-'));
    const configPath = join(dir, 'dnsfail.yaml');
    const record = (name: string) => `  - name: ${name}
    check: { type: http, port: ${live.port}, path: /health, timeout: 700ms }
    servers: [127.0.0.2, 127.0.0.3]
`;
    writeFileSync(configPath, `providers:\n  cf: { type: cloudflare, token: "\${CF_API_TOKEN}", endpoint: "${fake.url}" }\ndefaults: { fall: 1, rise: 1, ttl: 60 }\nrecords:\n${record('app.zone53.test')}${record('api.zone53.test')}`);
    const args = ['check', '-c', configPath, '--state', join(dir, 'state.json')];
    const env = { CF_API_TOKEN: TOKEN };
    const start = fake.requests.length;
    const first = await runCli(args, { env });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /changed app\.zone53\.test A: 127\.0\.0\.2 → 127\.0\.0\.3/);
    assert.match(first.stdout, /changed api\.zone53\.test A: 127\.0\.0\.2 → 127\.0\.0\.3/);
    for (const name of ['app.zone53.test', 'api.zone53.test']) {
      assert.deepEqual(fake.records(name, 'A').map((r) => [r.content, r.comment]), [['127.0.0.3', 'origin, set up by hand']], `${name}: patched in place, no second record`);
    }
    assert.ok(!fake.requests.slice(start).some((r) => r.method === 'POST' && !r.path.endsWith('/batch')), 'nothing created');
    const mutations = fake.mutations;
    const second = await runCli(args, { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout + second.stderr, '', 'in sync: silent');
    assert.equal(fake.mutations, mutations, 'no write on the second run');
  });
});
