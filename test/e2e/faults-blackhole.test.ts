import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { CliResult } from '../helpers/cli.js';
import { createNetnsPair, type NetnsPair } from '../helpers/netns.js';

const PORT = 8080;
const TIMEOUT_MS = 1000;

interface ServerJson {
  address: string;
  state: string;
  healthy: boolean | null;
  latencyMs: number | null;
  error?: string;
}
interface CheckJson {
  durationMs: number;
  exitCode: number;
  records: Array<{ current: string[] | null; desired: string[] | null; outcome: string; reason: string; servers: ServerJson[] }>;
}

/** A zone-file record over `servers` (in queue order), its config, state and zone in a fresh temp dir. */
function setup(t: TestContext, servers: string[]): { args: string[]; zoneFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-blackhole-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const zoneFile = join(dir, 'example.test.zone');
  const configPath = join(dir, 'dnsfail.yaml');
  writeFileSync(configPath, `providers:
  local: { type: zonefile, file: ${JSON.stringify(zoneFile)}, zone: example.test }
records:
  - name: app.example.test
    alias: www.example.test
    fall: 1
    rise: 1
    check: { type: http, port: ${PORT}, path: /health, timeout: ${TIMEOUT_MS}ms }
    servers:
${servers.map((address) => `      - ${address}`).join('\n')}
`);
  return { args: ['-c', configPath, '--state', join(dir, 'state.json')], zoneFile };
}

const published = (zoneFile: string): string[] =>
  readFileSync(zoneFile, 'utf8')
    .split('\n')
    .filter((l) => /^app\.example\.test\.\s/.test(l))
    .map((l) => l.split(/\s+/).pop() ?? '');

async function check(pair: NetnsPair, args: string[]): Promise<{ run: CliResult; report: CheckJson }> {
  const run = await pair.runCliInClient(['check', '--json', ...args], { timeoutMs: 20_000 });
  assert.ok(run.stdout.trim().startsWith('{'), `no JSON report (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  return { run, report: JSON.parse(run.stdout) as CheckJson };
}

/**
 * Wall time of a run that probes nothing: node start-up plus config load, inside the client namespace.
 * Wall-time bounds allow twice this and twice the timeout: the machine is shared and noisy.
 */
async function processStartMs(pair: NetnsPair, args: string[]): Promise<number> {
  const run = await pair.runCliInClient(['validate', ...args]);
  assert.equal(run.code, 0, run.stderr);
  return run.ms;
}

describe('black holes in a network namespace (built binary run in the client namespace)', () => {
  it('fails over from a black-holed primary within one probe timeout, and back once the rule is gone', async (t) => {
    const pair = createNetnsPair(t);
    if (!pair) return;
    const [primary] = pair.serverAddresses as [string];
    const backup = pair.addServerAddress();
    const server = await pair.startHttpServer({ addresses: [primary, backup], port: PORT });
    const { args, zoneFile } = setup(t, [primary, backup]);
    const startMs = await processStartMs(pair, args);

    const healthy = await check(pair, args);
    assert.equal(healthy.run.code, 0, healthy.run.stderr);
    assert.deepEqual(published(zoneFile), [primary], 'without a rule the primary answers');

    const removeDrop = pair.blackhole(PORT, primary);
    server.hits.length = 0;
    const { run, report } = await check(pair, args);
    assert.equal(run.code, 0, run.stderr);
    const [record] = report.records;
    assert.equal(record?.outcome, 'change');
    assert.deepEqual(published(zoneFile), [backup]);
    const [down, up] = record!.servers;
    assert.equal(down?.state, 'down');
    assert.equal(down?.error, `timeout after ${TIMEOUT_MS}ms`);
    assert.equal(up?.state, 'up');
    assert.match(record!.reason, new RegExp(`${primary.replaceAll('.', '\\.')}.* is down \\(timeout after ${TIMEOUT_MS}ms\\)`));
    assert.deepEqual(server.hits, [`${backup} /health`], 'DROP: no request reached the primary');
    assert.ok(down!.latencyMs! >= TIMEOUT_MS * 0.9, `a black hole waits for the deadline: ${down!.latencyMs}ms`);
    assert.ok(run.ms < 2 * (TIMEOUT_MS + startMs), `run took ${Math.round(run.ms)}ms (timeout ${TIMEOUT_MS}ms, process start ${Math.round(startMs)}ms)`);
    t.diagnostic(`black-holed primary: run ${Math.round(run.ms)}ms wall, ${report.durationMs}ms inside, process start ${Math.round(startMs)}ms, timeout ${TIMEOUT_MS}ms`);

    removeDrop();
    const back = await check(pair, args);
    assert.equal(back.run.code, 0, back.run.stderr);
    assert.deepEqual(published(zoneFile), [primary], 'failback once the black hole is lifted');
  });

  it('k = 1…4 black holes above a healthy server cost about one timeout, not k', async (t) => {
    const pair = createNetnsPair(t);
    if (!pair) return;
    const [healthy] = pair.serverAddresses as [string];
    const holes = [1, 2, 3, 4].map(() => pair.addServerAddress());
    const server = await pair.startHttpServer({ addresses: [healthy, ...holes], port: PORT });
    for (const hole of holes) pair.blackhole(PORT, hole);
    const startMs = await processStartMs(pair, setup(t, [healthy]).args);

    const ratios: string[] = [];
    for (let k = 1; k <= holes.length; k++) {
      const { args, zoneFile } = setup(t, [...holes.slice(0, k), healthy]);
      const { run, report } = await check(pair, args);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(published(zoneFile), [healthy], `k=${k}`);
      const servers = report.records[0]!.servers;
      assert.deepEqual(
        servers.map((s) => s.error ?? s.state),
        [...Array<string>(k).fill(`timeout after ${TIMEOUT_MS}ms`), 'up'],
        `k=${k}`,
      );
      assert.ok(report.durationMs < 2 * TIMEOUT_MS, `k=${k}: run ${report.durationMs}ms with a ${TIMEOUT_MS}ms timeout`);
      assert.ok(run.ms < 2 * (TIMEOUT_MS + startMs), `k=${k}: wall ${Math.round(run.ms)}ms`);
      ratios.push(`k=${k}: run ${report.durationMs}ms / timeout ${TIMEOUT_MS}ms = ${(report.durationMs / TIMEOUT_MS).toFixed(2)} (wall ${Math.round(run.ms)}ms)`);
    }
    assert.ok(server.hits.every((hit) => hit.startsWith(`${healthy} `)), `a black-holed address answered: ${server.hits.join(', ')}`);
    t.diagnostic(`process start ${Math.round(startMs)}ms; ${ratios.join('; ')}`);
  });

  it('a REJECT (tcp reset) is refused at once, long before the timeout', async (t) => {
    const pair = createNetnsPair(t);
    if (!pair) return;
    const [primary] = pair.serverAddresses as [string];
    const backup = pair.addServerAddress();
    await pair.startHttpServer({ addresses: [primary, backup], port: PORT });
    pair.rejectWithReset(PORT, primary);
    const { args, zoneFile } = setup(t, [primary, backup]);

    const { run, report } = await check(pair, args);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(published(zoneFile), [backup]);
    const [refused] = report.records[0]!.servers;
    assert.equal(refused?.error, 'connect ECONNREFUSED');
    assert.ok(refused!.latencyMs! < TIMEOUT_MS / 2, `refused after ${refused!.latencyMs}ms`);
    assert.ok(report.durationMs < TIMEOUT_MS / 2, `run ${report.durationMs}ms`);
    t.diagnostic(`REJECT: refused after ${refused!.latencyMs}ms, run ${report.durationMs}ms (timeout ${TIMEOUT_MS}ms)`);
  });
});
