import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nextSerial } from '../../providers/zonefile/serial.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { findTool } from '../helpers/require-tool.js';
import { primaryAndBackup } from '../helpers/targets.js';

/** Overlapping `dnsfail check` processes on one config and state: one writes, the others step aside cleanly. */

const PROCESSES = 10;
const LOCK_MESSAGE = /another dnsfail run holds the state lock \(pid \d+, since [^)]+\); this run made no changes/;

function setup(port: number, names: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-concurrency-'));
  const zoneFile = join(dir, 'example.test.zone');
  const statePath = join(dir, 'state.json');
  const configPath = join(dir, 'dnsfail.yaml');
  writeFileSync(
    configPath,
    `providers:
  local: { type: zonefile, file: ${JSON.stringify(zoneFile)}, zone: example.test }
defaults:
  fall: 1
  rise: 1
  check: { type: http, port: ${port}, timeout: 1s }
records:
${names.map((n) => `  - { name: ${n}, servers: [127.0.0.2, 127.0.0.3] }\n`).join('')}`,
  );
  return { dir, zoneFile, statePath, args: ['-c', configPath, '--state', statePath] };
}

const serialOf = (zone: string) => Number(/(\d+) ; serial/.exec(zone)?.[1]);
const zoneValues = (zone: string, name: string) =>
  zone
    .split('\n')
    .filter((l) => l.startsWith(`${name}. `))
    .map((l) => l.trim().split(/\s+/).pop());

type Verdict = 'wrote' | 'in sync' | 'lock busy';

/** What one of the overlapping runs did; anything but the three clean endings fails the test. */
function verdictOf(r: CliResult): Verdict {
  if (r.code === 1) {
    assert.match(r.stderr, LOCK_MESSAGE, `exit 1 only for the lock:\n${r.stderr}`);
    assert.equal(r.stdout, '', 'a run that gave up on the lock reports nothing else');
    return 'lock busy';
  }
  assert.equal(r.code, 0, `exit ${r.code}:\n${r.stdout}\n${r.stderr}`);
  assert.equal(r.stderr, '', 'no warning, no error');
  const rec = JSON.parse(r.stdout).records[0];
  if (rec.written) return 'wrote';
  assert.equal(rec.outcome, 'in-sync', `a run after the writer finds the record in sync: ${r.stdout}`);
  return 'in sync';
}

describe('overlapping dnsfail check processes', () => {
  const targets = primaryAndBackup({ before, after });
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it(`${PROCESSES} processes started together: exactly one writes, the rest exit cleanly, the serial moves once`, { timeout: 60_000 }, async (t) => {
    const s = setup(targets.primary.port, ['app.example.test']);
    dirs.push(s.dir);
    targets.primary.setMode('ok');
    assert.equal((await runCli(['check', ...s.args])).code, 0);
    const tally: Record<Verdict, number> = { wrote: 0, 'in sync': 0, 'lock busy': 0 };
    const rounds = [
      { mode: 'fail' as const, want: '127.0.0.3' },
      { mode: 'ok' as const, want: '127.0.0.2' },
      // A lock left by a crashed run: all of them race to break it, and still only one may write.
      { mode: 'fail' as const, want: '127.0.0.3', staleLock: true },
    ];
    for (const [i, round] of rounds.entries()) {
      const serialBefore = serialOf(readFileSync(s.zoneFile, 'utf8'));
      targets.primary.setMode(round.mode);
      if (round.staleLock) writeFileSync(`${s.statePath}.lock`, JSON.stringify({ pid: 2 ** 22 + 4321, host: hostname(), since: 'long ago' }));
      const results = await Promise.all(Array.from({ length: PROCESSES }, () => runCli(['check', '--json', ...s.args])));
      const verdicts = results.map(verdictOf);
      for (const v of verdicts) tally[v]++;
      assert.equal(verdicts.filter((v) => v === 'wrote').length, 1, `round ${i}: exactly one writer, got ${verdicts.join(', ')}`);
      const zone = readFileSync(s.zoneFile, 'utf8');
      assert.deepEqual(zoneValues(zone, 'app.example.test'), [round.want]);
      assert.equal(serialOf(zone), nextSerial(serialBefore, new Date()), `round ${i}: the serial was bumped exactly once`);
      const state = JSON.parse(readFileSync(s.statePath, 'utf8'));
      assert.deepEqual(state.records['app.example.test/A'].published, [round.want]);
      assert.equal(existsSync(`${s.statePath}.lock`), false, 'the lock is released');
      assert.deepEqual(readdirSync(s.dir).filter((f) => f.startsWith('.') || f.endsWith('.tmp') || f.includes('.break')), [], 'no temp file left');
      const checkzone = findTool('named-checkzone');
      if (checkzone) execFileSync(checkzone, ['-q', 'example.test', s.zoneFile]);
    }
    t.diagnostic(`${rounds.length} rounds of ${PROCESSES}: wrote ${tally.wrote}, waited then found it in sync ${tally['in sync']}, gave up on the lock ${tally['lock busy']}`);
  });

  it('a run that finds the lock held waits, and proceeds once it is released', { timeout: 30_000 }, async () => {
    const s = setup(targets.primary.port, ['app.example.test']);
    dirs.push(s.dir);
    targets.primary.setMode('ok');
    // A live holder: this test process.
    const lockPath = `${s.statePath}.lock`;
    writeFileSync(lockPath, JSON.stringify({ pid: process.pid, host: hostname(), since: 'now' }));
    const released = new Promise<void>((resolve) =>
      setTimeout(() => {
        unlinkSync(lockPath);
        resolve();
      }, 1000),
    );
    const r = await runCli(['check', ...s.args]);
    await released;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /changed app\.example\.test A: \(missing\) → 127\.0\.0\.2/);
    assert.ok(r.ms >= 1000, `it waited for the lock (${r.ms.toFixed(0)} ms)`);
  });

  it('one run with several records in one zone file writes every one of them', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => `${n}.example.test`);
    const s = setup(targets.primary.port, names);
    dirs.push(s.dir);
    for (const [mode, want] of [['ok', '127.0.0.2'], ['fail', '127.0.0.3']] as const) {
      targets.primary.setMode(mode);
      const r = await runCli(['check', '--json', ...s.args]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout);
      assert.ok(report.records.every((rec: { written: boolean }) => rec.written), 'every record reported written');
      const zone = readFileSync(s.zoneFile, 'utf8');
      for (const n of names) assert.deepEqual(zoneValues(zone, n), [want], `${n} holds what the report says was written:\n${zone}`);
    }
  });
});
