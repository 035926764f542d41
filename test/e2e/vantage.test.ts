import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeDyndns2 } from '../fakes/dyndns2.js';
import { runCli } from '../helpers/cli.js';
import { startTcpTarget, type TcpTarget } from '../helpers/targets.js';

/**
 * Several checkers with the built CLI: three `check` processes, one per vantage id, share one config
 * and one zone file, each with its own state file. The primary (127.0.0.2) refuses connections for
 * everyone; the backup (127.0.0.3) listens. The network partitions are in several-checkers.test.ts.
 */
describe('several checkers (vantage) with the built CLI', () => {
  let live: TcpTarget;
  let dir: string;
  let zone: string;
  const config = () => join(dir, 'dnsfail.yaml');
  const check = (id: string, ...more: string[]) => runCli(['check', '-c', config(), '--state', join(dir, `${id}.state.json`), ...more], { env: { DNSFAIL_VANTAGE: id } });
  const aRecords = () => readFileSync(zone, 'utf8').split('\n').filter((l) => /^app\.example\.test\. \d+ IN A /.test(l));

  before(async () => {
    live = await startTcpTarget({ host: '127.0.0.3' });
    dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-vantage-'));
    zone = join(dir, 'example.test.zone');
    writeFileSync(
      config(),
      `providers:\n  local: { type: zonefile, file: ./example.test.zone, zone: example.test }\nvantage:\n  id: \${DNSFAIL_VANTAGE}\n  peers: [home, gh, k8s]\n  staleAfter: 5m\nrecords:\n  - name: app.example.test\n    fall: 1\n    rise: 1\n    check: { type: tcp, port: ${live.port}, timeout: 500ms }\n    servers:\n      - { address: 127.0.0.2, label: primary }\n      - { address: 127.0.0.3, label: backup }\n`,
    );
    writeFileSync(zone, '$ORIGIN example.test.\n$TTL 60\n@ IN SOA ns. host. 1 3600 600 86400 60\n@ IN NS ns.\napp.example.test. 60 IN A 127.0.0.2\n');
  });
  after(() => live.close());

  it('the first checker alone has no quorum: exit 4, the record untouched, its vote written', async () => {
    const r = await check('home');
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stderr, /no quorum app\.example\.test A: only 1 of the 2 fresh votes the quorum needs \(gh: no vote; k8s: no vote\); changing nothing; holds 127\.0\.0\.2/);
    assert.deepEqual(aRecords(), ['app.example.test. 60 IN A 127.0.0.2']);
    assert.match(readFileSync(zone, 'utf8'), /^home\._dnsfail\.app\.example\.test\. 60 IN TXT "v=dnsfail1 id=home at=\d+ q=[0-9a-f]{8} s=DU"$/m);
  });

  it('the second checker makes a quorum: exactly one change to the backup; the third finds it in sync', async () => {
    const gh = await check('gh');
    assert.equal(gh.code, 0, gh.stderr);
    assert.match(gh.stdout, /changed app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3 \(127\.0\.0\.2 \(primary\) is down \(2 votes say so; here: /);
    const k8s = await check('k8s', '--json');
    assert.equal(k8s.code, 0, k8s.stderr);
    const report = JSON.parse(k8s.stdout);
    assert.equal(report.records[0].outcome, 'in-sync');
    assert.deepEqual(report.records[0].votes.map((v: { id: string; counted: boolean }) => [v.id, v.counted]), [['home', true], ['gh', true], ['k8s', false]]);
    assert.equal(report.records[0].voteWritten, true);
    assert.deepEqual(report.records[0].servers[0].votes, { own: 'down', down: 3, up: 0 });
    assert.deepEqual(aRecords(), ['app.example.test. 60 IN A 127.0.0.3']);
  });

  it('status shows every vote and its age; doctor says every vote counts', async () => {
    const status = await runCli(['status', '-c', config(), '--state', join(dir, 'home.state.json')], { env: { DNSFAIL_VANTAGE: 'home' } });
    assert.equal(status.code, 0, status.stderr);
    for (const id of ['home', 'gh', 'k8s']) assert.match(status.stdout, new RegExp(`vote of ${id}.*: 127\\.0\\.0\\.2 \\(primary\\) down, 127\\.0\\.0\\.3 \\(backup\\) up \\(cast \\d+s ago\\)`));
    const doctor = await runCli(['doctor', '-c', config(), '--state', join(dir, 'home.state.json')], { env: { DNSFAIL_VANTAGE: 'home' } });
    for (const id of ['home', 'gh', 'k8s']) assert.match(doctor.stdout, new RegExp(`✔ the vote of ${id} counts \\(cast \\d+s ago\\)`));
  });

  it('a vote written by hand that is malformed is ignored with a warning, and the run still decides', async () => {
    const text = readFileSync(zone, 'utf8').replace(/^gh\._dnsfail\.app\.example\.test\. 60 IN TXT ".*"$/m, 'gh._dnsfail.app.example.test. 60 IN TXT "v=dnsfail1 id=gh at=soon"');
    writeFileSync(zone, text);
    const r = await check('home');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: app\.example\.test: the vote of gh does not count: malformed vote: at/);
    assert.doesNotMatch(r.stderr, /unexpected/);
  });

  it('validate refuses votes on a write-only provider without a store', async () => {
    const d = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-vantage-'));
    writeFileSync(join(d, 'dnsfail.yaml'), 'providers:\n  noip: { type: dyndns2, preset: noip, username: u, password: p }\nvantage:\n  id: home\n  peers: [home, gh]\nrecords:\n  - name: app.example.test\n    servers: [192.0.2.1, 192.0.2.2]\n');
    const r = await runCli(['validate', '-c', join(d, 'dnsfail.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /vantage\.store: records on provider "noip" \(dyndns2\) need somewhere to keep votes: dyndns2 cannot read and write TXT records; set vantage\.store to a provider that can/);
  });

  it('dyndns2 with a store: the votes kept in a private zone file, the record written to the DynDNS2 service once there is a quorum', async () => {
    const fake = await startFakeDyndns2({ accounts: [{ username: 'ops', password: 'dyn-Secret-5', zones: ['dyn.example.test'] }] });
    try {
      const d = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-vantage-store-'));
      writeFileSync(
        join(d, 'dnsfail.yaml'),
        `providers:\n  dyn: { type: dyndns2, preset: noip, endpoint: "${fake.url}", username: ops, password: "\${DYN_PASSWORD}" }\n` +
          `  votes: { type: zonefile, file: ./votes.zone, zone: votes.internal }\n` +
          `vantage:\n  id: \${DNSFAIL_VANTAGE}\n  peers: [home, gh]\n  store: votes\n  zone: votes.internal\n` +
          `records:\n  - name: app.dyn.example.test\n    provider: dyn\n    fall: 1\n    rise: 1\n    check: { type: tcp, port: ${live.port}, timeout: 500ms }\n` +
          `    servers:\n      - { address: 127.0.0.2, label: primary }\n      - { address: 127.0.0.3, label: backup }\n`,
      );
      const run = (id: string) => runCli(['check', '-c', join(d, 'dnsfail.yaml'), '--state', join(d, `${id}.state.json`)], { env: { DNSFAIL_VANTAGE: id, DYN_PASSWORD: 'dyn-Secret-5' } });
      const home = await run('home');
      assert.equal(home.code, 4, home.stdout + home.stderr);
      assert.equal(fake.requests.length, 0, 'nothing sent to the DynDNS2 service without a quorum');
      const votes = () => readFileSync(join(d, 'votes.zone'), 'utf8');
      assert.match(votes(), /^home\._dnsfail\.app\.dyn\.example\.test\.votes\.internal\. \d+ IN TXT "v=dnsfail1 id=home at=\d+ q=[0-9a-f]{8} s=DU"$/m);
      const gh = await run('gh');
      assert.equal(gh.code, 0, gh.stdout + gh.stderr);
      assert.match(votes(), /^gh\._dnsfail\.app\.dyn\.example\.test\.votes\.internal\. \d+ IN TXT "v=dnsfail1 id=gh /m);
      assert.deepEqual(fake.requests.map((r) => r.answer), ['good 127.0.0.3']);
      assert.deepEqual(fake.lookup('app.dyn.example.test', 'A'), ['127.0.0.3']);
      assert.doesNotMatch(home.stdout + home.stderr + gh.stdout + gh.stderr + votes(), /dyn-Secret-5/);
      const env = { DNSFAIL_VANTAGE: 'home', DYN_PASSWORD: 'dyn-Secret-5' };
      const status = await runCli(['status', '-c', join(d, 'dnsfail.yaml'), '--state', join(d, 'home.state.json')], { env });
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /vote of gh.*: 127\.0\.0\.2 \(primary\) down, 127\.0\.0\.3 \(backup\) up \(cast \d+s ago\)/);
      const doctor = await runCli(['doctor', '-c', join(d, 'dnsfail.yaml'), '--state', join(d, 'home.state.json')], { env });
      for (const id of ['home', 'gh']) assert.match(doctor.stdout, new RegExp(`✔ the vote of ${id} counts \\(cast \\d+s ago\\)`));
    } finally {
      await fake.close();
    }
  });
});
