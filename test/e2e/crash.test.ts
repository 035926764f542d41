import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, startCli } from '../helpers/cli.js';
import { requireTools } from '../helpers/require-tool.js';
import { primaryAndBackup } from '../helpers/targets.js';
import { prng } from '../helpers/prng.js';

/** Kills `dnsfail check` at random moments and checks nothing it leaves behind is broken. */

const RUNS = Number(process.env.DNSFAIL_CRASH_RUNS ?? 200);
const RECORDS = ['app.example.test', 'api.example.test'];
const KNOWN_FILES = new Set(['dnsfail.yaml', 'example.test.zone', 'state.json', 'state.json.lock']);
/** Files a killed run may leave; the next run must clean them up, so they never pile up. */
const MAX_STRAY_FILES = 4;

function config(zoneFile: string, port: number): string {
  return `providers:
  local: { type: zonefile, file: ${JSON.stringify(zoneFile)}, zone: example.test }
defaults:
  fall: 1
  rise: 1
  ttl: 30
  check: { type: http, port: ${port}, path: /health, timeout: 1s }
records:
${RECORDS.map((name) => `  - name: ${name}
    servers: [127.0.0.2, 127.0.0.3]
`).join('')}`;
}

const zoneValue = (zone: string, name: string) =>
  zone
    .split('\n')
    .filter((l) => l.startsWith(`${name}.`) && /\sA\s/.test(l))
    .map((l) => l.trim().split(/\s+/).pop());

function checkZone(tool: string, file: string): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) =>
    execFile(tool, ['-q', 'example.test', file], (err, stdout, stderr) => resolve({ ok: !err, out: `${stdout}${stderr}` })),
  );
}

function assertStateShape(text: string, iteration: number): void {
  let state: { version?: unknown; records?: Record<string, { servers?: unknown }> };
  try {
    state = JSON.parse(text);
  } catch (e) {
    assert.fail(`iteration ${iteration}: state file is not JSON (${(e as Error).message}):\n${text.slice(0, 500)}`);
  }
  assert.equal(state.version, 1, `iteration ${iteration}: state version`);
  assert.equal(typeof state.records, 'object', `iteration ${iteration}: state records`);
  for (const name of RECORDS) {
    const rec = state.records?.[`${name}/A`];
    assert.ok(rec && typeof rec.servers === 'object', `iteration ${iteration}: state has ${name}/A with servers`);
  }
}

async function typicalRunMs(args: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await runCli(['check', ...args]);
    assert.ok(r.code === 0, r.stderr);
    times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  return times[2]!;
}

describe('dnsfail check killed with SIGKILL at random moments', () => {
  const targets = primaryAndBackup({ before, after });
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsfail-crash-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${RUNS} kills: the state always parses, the zone always passes named-checkzone, no lock or temp file is left for long, and the next run converges`, { timeout: 170_000 }, async (t) => {
    const tools = requireTools(t, ['named-checkzone'], 'apt-get install bind9-utils');
    if (!tools) return;
    const zoneFile = join(dir, 'example.test.zone');
    const statePath = join(dir, 'state.json');
    const lockPath = `${statePath}.lock`;
    writeFileSync(join(dir, 'dnsfail.yaml'), config(zoneFile, targets.primary.port));
    const args = ['-c', join(dir, 'dnsfail.yaml'), '--state', statePath];

    const runMs = await typicalRunMs(args);
    const seed = Number(process.env.DNSFAIL_CRASH_SEED ?? 20260101);
    const random = prng(seed);
    let crashes = 0;
    let finished = 0;
    let staleLocks = 0;
    let mostStray = 0;
    const t0 = performance.now();
    for (let i = 0; i < RUNS; i++) {
      // Toggle the primary every iteration, so a run that gets far enough really rewrites the zone and the state.
      targets.primary.setMode(i % 2 === 0 ? 'fail' : 'ok');
      // Half the kills anywhere in the run, half in its last third, where the zone and the state are written.
      const delay = i % 2 === 0 ? random() * runMs : runMs * (2 / 3 + random() / 3);
      const child = startCli(['check', ...args]);
      const timer = setTimeout(() => child.signal('SIGKILL'), delay);
      const code = await child.exited;
      clearTimeout(timer);
      if (code === 137) crashes++;
      else {
        finished++;
        assert.equal(code, 0, `iteration ${i}: a run that was not killed exited ${code}:\n${child.lines.join('\n')}`);
      }

      if (existsSync(statePath)) assertStateShape(readFileSync(statePath, 'utf8'), i);
      if (existsSync(zoneFile)) {
        const z = await checkZone(tools['named-checkzone']!, zoneFile);
        assert.ok(z.ok, `iteration ${i}: named-checkzone rejected the zone file after a kill at ${delay.toFixed(0)} ms:\n${z.out}\n${readFileSync(zoneFile, 'utf8')}`);
      }
      const stray = readdirSync(dir).filter((f) => !KNOWN_FILES.has(f));
      mostStray = Math.max(mostStray, stray.length);
      assert.ok(stray.length <= MAX_STRAY_FILES, `iteration ${i}: temp files pile up: ${stray.join(', ')}`);

      if (existsSync(lockPath)) {
        // The killed run's lock must not block the next run: it is broken at once, not waited out.
        staleLocks++;
        const holder = JSON.parse(readFileSync(lockPath, 'utf8')) as { pid: number; host: string };
        assert.equal(holder.pid, child.pid, `iteration ${i}: the lock left behind is the killed run's`);
        assert.equal(holder.host, hostname());
        targets.primary.setMode(i % 2 === 0 ? 'ok' : 'fail');
        const next = await runCli(['check', ...args]);
        assert.equal(next.code, 0, `iteration ${i}: the run after a kill that left the lock:\n${next.stderr}`);
        assert.doesNotMatch(next.stderr, /holds the state lock/);
        assert.equal(existsSync(lockPath), false, 'the stale lock is gone');
      }
    }
    const loopMs = performance.now() - t0;

    // The first run after the kills converges from whatever they left.
    targets.primary.setMode('ok');
    const last = await runCli(['check', ...args]);
    assert.equal(last.code, 0, last.stderr);
    const zone = readFileSync(zoneFile, 'utf8');
    for (const name of RECORDS) assert.deepEqual(zoneValue(zone, name), ['127.0.0.2'], `${name} converged to the primary:\n${last.stdout}${last.stderr}\n${zone}`);
    assertStateShape(readFileSync(statePath, 'utf8'), RUNS);
    assert.equal((await checkZone(tools['named-checkzone']!, zoneFile)).ok, true);
    // Two runs that both write (fail over, fail back) leave nothing of the killed runs behind.
    for (const mode of ['fail', 'ok'] as const) {
      targets.primary.setMode(mode);
      const r = await runCli(['check', ...args]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /changed app\.example\.test A/, readFileSync(zoneFile, 'utf8'));
    }
    const leftover = readdirSync(dir).filter((f) => !KNOWN_FILES.has(f));
    assert.deepEqual(leftover, [], 'completed writes clean up the temp files of killed runs');
    assert.equal(existsSync(lockPath), false);

    t.diagnostic(`typical run ${runMs.toFixed(0)} ms; seed ${seed}; ${RUNS} iterations in ${(loopMs / 1000).toFixed(1)} s; ${finished} finished before the kill; stale locks broken: ${staleLocks}; most stray files at once: ${mostStray}`);
    console.log(`crashes survived: ${crashes}, state files corrupted: 0, zone files rejected: 0`);
    assert.ok(crashes >= RUNS / 4, `enough runs were really killed (timing on a shared machine varies; the bound only guards against a vacuous test) (${crashes} of ${RUNS})`);
  });

  describe('locks left by runs that are gone for good are broken at once', () => {
    const cases: Array<{ name: string; lock: () => string }> = [
      // After a reboot (the state and its lock live in /var/lib) or a pid wrap, the dead run's pid can be a live process.
      { name: 'its pid now belongs to another live process (different start time)', lock: () => JSON.stringify({ pid: process.pid, boot: readBootId(), start: '1', host: hostname(), since: 'before' }) },
      { name: 'it was taken before the last reboot', lock: () => JSON.stringify({ pid: process.pid, boot: '00000000-0000-0000-0000-000000000000', host: hostname(), since: 'before' }) },
      // Every lock is linked into place complete, so a torn one is what a power cut leaves.
      { name: 'it is empty (torn by a power cut)', lock: () => '' },
      { name: 'it is not JSON', lock: () => '{"pid": 12' },
    ];
    for (const c of cases) {
      it(`a lock is broken when ${c.name}`, async () => {
        const caseDir = mkdtempSync(join(tmpdir(), 'dnsfail-lock-'));
        try {
          const statePath = join(caseDir, 'state.json');
          writeFileSync(join(caseDir, 'dnsfail.yaml'), config(join(caseDir, 'example.test.zone'), targets.primary.port));
          writeFileSync(`${statePath}.lock`, c.lock());
          targets.primary.setMode('ok');
          const r = await runCli(['check', '-c', join(caseDir, 'dnsfail.yaml'), '--state', statePath]);
          assert.equal(r.code, 0, r.stderr);
          assert.doesNotMatch(r.stderr, /holds the state lock/);
          assert.equal(existsSync(`${statePath}.lock`), false);
          assert.deepEqual(readdirSync(caseDir).sort(), ['dnsfail.yaml', 'example.test.zone', 'state.json']);
        } finally {
          rmSync(caseDir, { recursive: true, force: true });
        }
      });
    }

    it('a lock held by a live run with the same start time is respected', async () => {
      const caseDir = mkdtempSync(join(tmpdir(), 'dnsfail-lock-'));
      try {
        const statePath = join(caseDir, 'state.json');
        writeFileSync(join(caseDir, 'dnsfail.yaml'), config(join(caseDir, 'example.test.zone'), targets.primary.port));
        const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
        const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
        writeFileSync(`${statePath}.lock`, JSON.stringify({ pid: process.pid, boot: readBootId(), start, host: hostname(), since: 'now' }));
        const r = await runCli(['check', '-c', join(caseDir, 'dnsfail.yaml'), '--state', statePath]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /another dnsfail run holds the state lock/);
        assert.equal(existsSync(join(caseDir, 'example.test.zone')), false, 'nothing written');
      } finally {
        rmSync(caseDir, { recursive: true, force: true });
      }
    });
  });
});

function readBootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}
