import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startFlappingTarget, startHttpTarget, type Target } from '../helpers/targets.js';
import { fastIntervalRecords, zoneFileWorkdir } from '../helpers/zone-workdir.js';

const RUNS = 20;

describe('a flapping target through the built binary', () => {
  let flapping: Awaited<ReturnType<typeof startFlappingTarget>>;
  let backup: Target;
  const dirs: string[] = [];
  before(async () => {
    flapping = await startFlappingTarget('127.0.0.2');
    backup = await startHttpTarget({ host: '127.0.0.3', port: flapping.port });
  });
  after(async () => {
    await flapping.close();
    await backup.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A config of one record over the flapping primary and the backup, and what its zone file publishes. */
  const workload = (name: string, fastInterval: string) => {
    const w = zoneFileWorkdir('flapping', fastIntervalRecords({ port: flapping.port, fastInterval, timeout: '1s', servers: ['127.0.0.2', '127.0.0.3'] }), name);
    dirs.push(w.dir);
    return { configPath: w.configPath, statePath: join(w.dir, 'state.json'), published: () => w.zoneA()[0] };
  };

  it(`fall 3 / rise 2, fastInterval off: ${RUNS} runs against a target that alternates per request move the record at most once per five probes`, async () => {
    const { configPath, statePath, published } = workload('off', 'off');
    const args = ['check', '-c', configPath, '--state', statePath];

    const first = await runCli(args);
    assert.equal(first.code, 0, first.stderr);
    let value = published();
    assert.equal(value, '127.0.0.2', 'the first probe of the flapping target is healthy, so it is published');
    const moves: number[] = [];
    for (let run = 1; run < RUNS; run++) {
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
      const now = published();
      if (now !== value) moves.push(run);
      value = now;
    }
    assert.equal(flapping.requests, RUNS, 'one probe per run, alternating healthy and unhealthy');
    const mostInFive = Math.max(0, ...moves.map((m) => moves.filter((o) => o >= m && o < m + 5).length));
    console.log(`record changes seen: ${moves.length} in ${RUNS} probes (most in any 5 consecutive probes: ${mostInFive})`);
    assert.ok(mostInFive <= 1, `moves at runs ${moves.join(', ')}`);
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    const primary = state.records['app.example.test/A'].servers['127.0.0.2'];
    assert.equal(primary.state, 'up', 'one failure at a time never reaches fall 3');
    assert.ok(primary.okStreak + primary.failStreak === 1, 'the streaks restart on every flip');
  });

  it(`fall 3 / rise 2, fastInterval 100ms: ${RUNS} runs against the same target never move the record (a pass between failures resets the count)`, async () => {
    const { configPath, statePath, published } = workload('fast', '100ms');
    const args = ['check', '--json', '-c', configPath, '--state', statePath];
    if (flapping.requests % 2 === 1) await fetch(`http://127.0.0.2:${flapping.port}/`); // the next answer is 200
    const requestsBefore = flapping.requests;
    let probes = 0;
    let confirmed = 0;
    const seen = new Set<string | undefined>();
    for (let run = 0; run < RUNS; run++) {
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
      const primary = JSON.parse(r.stdout).records[0].servers[0];
      probes += primary.probes;
      if (primary.probes > 1) confirmed++;
      seen.add(published());
    }
    assert.equal(flapping.requests - requestsBefore, probes, 'every request the target saw is a probe the report counts');
    assert.ok(confirmed > 0, 'failed probes were confirmed at once');
    assert.deepEqual([...seen], ['127.0.0.2'], 'the record never left the flapping primary');
    const primary = JSON.parse(readFileSync(statePath, 'utf8')).records['app.example.test/A'].servers['127.0.0.2'];
    assert.deepEqual([primary.state, primary.okStreak, primary.failStreak], ['up', 1, 0], 'a confirming probe passed, so the run ends on a pass');
  });
});
