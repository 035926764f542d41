import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { primaryAndBackup } from '../helpers/targets.js';
import { zoneFileWorkdir } from '../helpers/zone-workdir.js';

/** One config, one zone file; each checker has a state file of its own (a cron host and a stateless CI runner). */
function setup(port: number, ttl = 30) {
  const w = zoneFileWorkdir(
    'safety',
    `defaults: { fall: 3, rise: 2, failback: auto, fastInterval: off }
records:
  - name: app.example.test
    ttl: ${ttl}
    check: { type: http, port: ${port}, path: /health, timeout: 700ms }
    servers:
      - { address: 127.0.0.2, label: primary }
      - { address: 127.0.0.3, label: backup }
`,
  );
  return { ...w, checker: w.args };
}

describe('never publish a failing server (two checkers, two state files, one zone file)', () => {
  const targets = primaryAndBackup({ before, after });

  it('a checker with history does not move the record back onto a primary whose latest probe failed', async () => {
    targets.primary.setMode('ok');
    const s = setup(targets.primary.port);
    const cron = s.checker('cron.json');
    assert.equal((await runCli(['check', ...cron])).code, 0);
    assert.equal((await runCli(['check', ...cron])).code, 0);
    assert.deepEqual(s.zoneA(), ['127.0.0.2']);

    targets.primary.setMode('fail');
    const fresh = await runCli(['check', ...s.checker('ci-runner.json')]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.deepEqual(s.zoneA(), ['127.0.0.3'], 'the fresh checker counts the failing primary down at once');

    for (let run = 1; run <= 2; run++) {
      const r = await runCli(['check', '-v', ...cron]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(s.zoneA(), ['127.0.0.3'], `run ${run}: the record stays on the backup`);
      assert.doesNotMatch(r.stdout, /changed|up again/);
      assert.match(r.stdout, /in sync app\.example\.test A: 127\.0\.0\.3 \(in sync; 127\.0\.0\.2 \(primary\) is not published while its latest probe fails\)/);
    }

    targets.primary.setMode('ok');
    const back = await runCli(['check', ...cron]);
    assert.match(back.stdout, /changed app\.example\.test A: 127\.0\.0\.3 → 127\.0\.0\.2 \(127\.0\.0\.2 \(primary\) is up and first in the queue; the record held 127\.0\.0\.3 \(backup\) \(failback: auto\)\)/);
  });

  it('a managed name that is a CNAME is refused by check and --dry-run with the fix, and nothing is written', async () => {
    targets.primary.setMode('ok');
    const s = setup(targets.primary.port);
    const cron = s.checker('cron.json');
    assert.equal((await runCli(['check', ...cron])).code, 0);
    writeFileSync(s.zoneFile, readFileSync(s.zoneFile, 'utf8').replace(/^app\.example\.test\.\s.*$/m, 'app.example.test. 30 IN CNAME lb.example.net.'));
    const before = readFileSync(s.zoneFile, 'utf8');
    for (const extra of [[], ['--dry-run']]) {
      const r = await runCli(['check', ...extra, ...cron]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /app\.example\.test is a CNAME to lb\.example\.net, so dnsfail cannot manage its address records: set `name: lb\.example\.net` .* and `alias: app\.example\.test`/);
      assert.equal(readFileSync(s.zoneFile, 'utf8'), before);
    }
  });

  it('a record with the right address and another TTL is corrected in place, and says it is a TTL change', async () => {
    targets.primary.setMode('ok');
    const s = setup(targets.primary.port, 30);
    const cron = s.checker('cron.json');
    assert.equal((await runCli(['check', ...cron])).code, 0);
    writeFileSync(s.zoneFile, readFileSync(s.zoneFile, 'utf8').replace(/^(app\.example\.test\.\s+)30(\s)/m, '$13600$2'));
    assert.match(s.zoneLines()[0]!, /\s3600\s/);

    const plan = await runCli(['check', '--dry-run', '--json', ...cron]);
    const rec = JSON.parse(plan.stdout).records[0];
    assert.equal(rec.outcome, 'ttl');
    assert.equal(rec.changed, true);
    assert.deepEqual(rec.ttl, { wanted: 30, current: 3600 });
    const dry = await runCli(['check', '--dry-run', ...cron]);
    assert.match(dry.stdout, /would correct the TTL of app\.example\.test A: 3600s → 30s \(holds 127\.0\.0\.2\)/);

    const mtime = statSync(s.zoneFile).mtimeMs;
    const fix = await runCli(['check', ...cron]);
    assert.equal(fix.code, 0, fix.stderr);
    assert.match(fix.stdout, /corrected the TTL of app\.example\.test A: 3600s → 30s/);
    assert.match(s.zoneLines()[0]!, /\s30\s/);
    assert.notEqual(statSync(s.zoneFile).mtimeMs, mtime);
    const state = JSON.parse(readFileSync(join(s.dir, 'cron.json'), 'utf8'));
    assert.equal(state.records['app.example.test/A'].failovers ?? 0, 0, 'a TTL correction is not a failover');

    const again = await runCli(['check', ...cron]);
    assert.equal(again.stdout + again.stderr, '', 'in sync afterwards');
  });
});
