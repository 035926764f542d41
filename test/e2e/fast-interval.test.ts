import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { createNetnsPair } from '../helpers/netns.js';
import { startPrimaryAndBackup } from '../helpers/targets.js';
import { fastIntervalRecords, zoneFileWorkdir } from '../helpers/zone-workdir.js';

/** fastInterval through the built binary: a failing server is confirmed inside one `check` run. */

interface ServerJson {
  address: string;
  state: string;
  healthy: boolean | null;
  error: string | null;
  probes: number;
  probeGapsMs: number[];
}
interface CheckJson {
  durationMs: number;
  records: Array<{ desired: string[] | null; outcome: string; written: boolean; servers: ServerJson[] }>;
}

const FAST_MS = 200;

function setup(t: TestContext, opts: { port: number; servers: string[]; fastInterval: string; timeout: string }) {
  const w = zoneFileWorkdir('fast-interval', fastIntervalRecords({ ...opts, path: '/health' }));
  t.after(() => rmSync(w.dir, { recursive: true, force: true }));
  return { args: ['check', '--json', ...w.args()], published: w.zoneA };
}

describe('fastInterval: fail over in one cron run', () => {
  it('fall 3 and a dead primary (closed port): ONE check run probes it 3 times, fastInterval apart, and writes the backup', async (t) => {
    const targets = await startPrimaryAndBackup();
    t.after(() => targets.close());
    const { primary } = targets;
    const fast = setup(t, { port: primary.port, servers: ['127.0.0.2', '127.0.0.3'], fastInterval: `${FAST_MS}ms`, timeout: '1s' });
    const slow = setup(t, { port: primary.port, servers: ['127.0.0.2', '127.0.0.3'], fastInterval: 'off', timeout: '1s' });
    for (const s of [fast, slow]) {
      for (let run = 0; run < 2; run++) assert.equal((await runCli(s.args)).code, 0);
      assert.deepEqual(s.published(), ['127.0.0.2']);
    }

    await primary.close(); // nothing listens on 127.0.0.2:port now: connection refused
    const r = await runCli(fast.args);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as CheckJson;
    const [rec] = report.records;
    assert.deepEqual(fast.published(), ['127.0.0.3'], 'the backup is written in the same run');
    assert.equal(rec!.outcome, 'change');
    const [dead, up] = rec!.servers;
    assert.deepEqual([dead!.state, dead!.probes, dead!.error], ['down', 3, 'connect ECONNREFUSED']);
    assert.equal(dead!.probeGapsMs.length, 2);
    assert.ok(dead!.probeGapsMs.every((g) => g >= FAST_MS), `probes ${dead!.probeGapsMs.join(', ')} ms apart (fastInterval ${FAST_MS}ms)`);
    assert.deepEqual([up!.state, up!.probes, up!.probeGapsMs], ['up', 1, []]);
    t.diagnostic(`one run: ${report.durationMs}ms, primary probed 3 times, gaps ${dead!.probeGapsMs.join(', ')} ms`);

    const v = await runCli(fast.args.filter((a) => a !== '--json').concat('-v'));
    assert.match(v.stdout, /down {4}127\.0\.0\.2 .*\(4 failed in a row\)/, 'the next run probes the down server once: no fast probes on the rise side');
    assert.doesNotMatch(v.stdout, /probes,/);

    const off = JSON.parse((await runCli(slow.args)).stdout) as CheckJson;
    assert.deepEqual(slow.published(), ['127.0.0.2'], 'fastInterval off: one failure per run, the record waits for two more runs');
    assert.equal(off.records[0]!.servers[0]!.probes, 1);
  });

  it('-v shows the confirming probes and how far apart they were', async (t) => {
    const targets = await startPrimaryAndBackup();
    t.after(() => targets.close());
    const { primary } = targets;
    const s = setup(t, { port: primary.port, servers: ['127.0.0.2', '127.0.0.3'], fastInterval: `${FAST_MS}ms`, timeout: '1s' });
    assert.equal((await runCli(s.args)).code, 0);
    primary.setMode('fail');
    const r = await runCli(s.args.filter((a) => a !== '--json').concat('-v'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /changed app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3/);
    assert.match(r.stdout, /down {4}127\.0\.0\.2 {2}failed: status 503.*\(3 failed in a row\) {2}\[3 probes, \d+ ms, \d+ ms apart\]/);
    assert.equal(primary.hits, 4, 'one probe in the first run, three in the second');
  });

  it('a healthy top server with black holes below is not slowed by confirming them; a black-holed top server is confirmed within the bound (netns)', async (t) => {
    const pair = createNetnsPair(t);
    if (!pair) return;
    const PORT = 8080;
    const [healthy] = pair.serverAddresses as [string];
    const holes = [pair.addServerAddress(), pair.addServerAddress()];
    const top = pair.addServerAddress();
    await pair.startHttpServer({ addresses: [healthy, ...holes, top], port: PORT });
    const check = async (args: string[]) => {
      const run = await pair.runCliInClient(args, { timeoutMs: 20_000 });
      assert.ok(run.stdout.trim().startsWith('{'), `no JSON report (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
      return JSON.parse(run.stdout) as CheckJson;
    };
    const below = setup(t, { port: PORT, servers: [healthy, ...holes], fastInterval: '500ms', timeout: '1000ms' });
    const above = setup(t, { port: PORT, servers: [top, healthy], fastInterval: '500ms', timeout: '1000ms' });
    await check(below.args); // every server up, with history
    await check(above.args);
    for (const hole of holes) pair.blackhole(PORT, hole);

    const report = await check(below.args);
    assert.deepEqual(below.published(), [healthy]);
    assert.deepEqual(
      report.records[0]!.servers.map((x) => [x.state, x.probes, x.error]),
      [['up', 1, null], ['up', 1, 'timeout after 1000ms'], ['up', 1, 'timeout after 1000ms']],
    );
    assert.ok(report.durationMs < 2 * 1000, `run ${report.durationMs}ms: one probe timeout, not 3 × (timeout + fastInterval)`);

    pair.blackhole(PORT, top);
    const bound = 3 * (1000 + 500);
    const failover = await check(above.args);
    assert.deepEqual(above.published(), [healthy], `the black-holed top server is counted down in one run: ${JSON.stringify(failover)}`);
    const dead = failover.records[0]!.servers[0]!;
    assert.deepEqual([dead.state, dead.probes], ['down', 3]);
    assert.ok(failover.durationMs >= 3 * 1000 && failover.durationMs <= bound + 500, `run ${failover.durationMs}ms, bound ${bound}ms`);
    t.diagnostic(`2 black holes below a healthy top: run ${report.durationMs}ms; black-holed top server: run ${failover.durationMs}ms, gaps ${dead.probeGapsMs.join(', ')} ms (bound ${bound}ms)`);
  });
});
