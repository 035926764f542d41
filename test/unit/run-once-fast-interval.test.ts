import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CurrentRecord, Provider, WriteRequest } from '../../providers/kit/types.js';
import { probingBoundMs, runOnce } from '../../src/app/run-once.js';
import type { Config, RecordConfig } from '../../src/config/types.js';
import type { RecordHistory } from '../../src/core/types.js';
import type { ProbeResult, ProbeTarget } from '../../src/health/types.js';
import { emptyState, type StateFile } from '../../src/state/store.js';

/** runOnce with scripted probes: confirming probes inside one run (fastInterval). */

const PRIMARY = '192.0.2.1';
const BACKUP = '192.0.2.2';
const LOW = '192.0.2.3';

const record = (over: Partial<RecordConfig> = {}, fastIntervalMs = 5): RecordConfig => ({
  key: 'app.example.test/A', name: 'app.example.test', type: 'A', provider: 'p', ttl: 30, strategy: 'failover',
  fall: 3, rise: 2, failback: 'auto', onAllDown: 'keep',
  servers: [PRIMARY, BACKUP, LOW].map((address) => ({ address, check: { type: 'tcp', port: 1, timeoutMs: 100 }, fastIntervalMs })),
  ...over,
});
const config = (r: RecordConfig): Config => ({
  source: 'test', baseDir: '/', providers: { p: { id: 'p', kind: 'memory', factory: {} as never, settings: {} } }, records: [r], notify: [],
});
const allUp: RecordHistory = {
  servers: Object.fromEntries([PRIMARY, BACKUP, LOW].map((a) => [a, { state: 'up', okStreak: 5, failStreak: 0 }])),
  published: [PRIMARY],
};
const stateWith = (h: RecordHistory): StateFile => ({ ...emptyState(), records: { 'app.example.test/A': h } });

/** Each address answers from its script, one entry per probe (the last one repeats); every probe is logged. */
function scripted(scripts: Record<string, boolean[]>) {
  const calls: string[] = [];
  const probe = async (targets: ProbeTarget[]): Promise<ProbeResult[]> =>
    targets.map(({ address }) => {
      const n = calls.filter((a) => a === address).length;
      calls.push(address);
      const s = scripts[address]!;
      const healthy = s[Math.min(n, s.length - 1)]!;
      return healthy ? { healthy, latencyMs: 1 } : { healthy, latencyMs: 1, error: 'connect ECONNREFUSED' };
    });
  return { probe, calls };
}

function memory(values: string[]) {
  const writes: WriteRequest[] = [];
  const p: Provider = { read: async (): Promise<CurrentRecord> => ({ values }), write: async (_ref, req) => void writes.push(req) };
  return { p, writes };
}

describe('runOnce with fastInterval: a failing server is confirmed inside the run', () => {
  it('a dead primary (fall 3) is counted down and the backup written in one run, after 3 probes of the primary', async () => {
    const { probe, calls } = scripted({ [PRIMARY]: [false], [BACKUP]: [true], [LOW]: [true] });
    const m = memory([PRIMARY]);
    const { report, state } = await runOnce(config(record()), stateWith(allUp), { providers: { p: m.p }, probe }, { dryRun: false });
    const r = report.records[0]!;
    assert.deepEqual(r.desired, [BACKUP]);
    assert.equal(r.written, true);
    assert.deepEqual(m.writes.map((w) => w.values), [[BACKUP]]);
    assert.equal(calls.filter((a) => a === PRIMARY).length, 3);
    assert.equal(r.servers[0]!.probes, 3);
    assert.equal(r.servers[0]!.probeGapsMs.length, 2);
    assert.ok(r.servers[0]!.probeGapsMs.every((g) => g >= 4), `gaps ${r.servers[0]!.probeGapsMs} follow fastInterval (5 ms)`);
    assert.deepEqual([r.servers[1]!.probes, r.servers[1]!.probeGapsMs], [1, []]);
    const primary = state.records['app.example.test/A']!.servers[PRIMARY]!;
    assert.deepEqual([primary.state, primary.failStreak, primary.okStreak], ['down', 3, 0], 'the state counts every probe');
    assert.match(r.reason, /192\.0\.2\.1 is down \(connect ECONNREFUSED\); 192\.0\.2\.2 is the first server up/);
  });

  it('a history that already holds failures needs only the rest: failStreak 1 + 2 probes', async () => {
    const { probe, calls } = scripted({ [PRIMARY]: [false], [BACKUP]: [true], [LOW]: [true] });
    const prev: RecordHistory = { ...allUp, servers: { ...allUp.servers, [PRIMARY]: { state: 'up', okStreak: 0, failStreak: 1 } } };
    const { report } = await runOnce(config(record()), stateWith(prev), { providers: { p: memory([PRIMARY]).p }, probe }, { dryRun: false });
    assert.equal(calls.filter((a) => a === PRIMARY).length, 2);
    assert.deepEqual(report.records[0]!.desired, [BACKUP]);
  });

  it('a pass between failures resets the count: fail, pass keeps the record and ends the probing', async () => {
    const { probe, calls } = scripted({ [PRIMARY]: [false, true, false], [BACKUP]: [true], [LOW]: [true] });
    const m = memory([PRIMARY]);
    const { report, state } = await runOnce(config(record()), stateWith(allUp), { providers: { p: m.p }, probe }, { dryRun: false });
    assert.equal(calls.filter((a) => a === PRIMARY).length, 2);
    assert.equal(report.records[0]!.outcome, 'in-sync');
    assert.equal(m.writes.length, 0);
    const primary = state.records['app.example.test/A']!.servers[PRIMARY]!;
    assert.deepEqual([primary.state, primary.okStreak, primary.failStreak], ['up', 1, 0]);
  });

  it('fastInterval off: one probe per run, as before', async () => {
    const { probe, calls } = scripted({ [PRIMARY]: [false], [BACKUP]: [true], [LOW]: [true] });
    const m = memory([PRIMARY]);
    const { report } = await runOnce(config(record({}, 0)), stateWith(allUp), { providers: { p: m.p }, probe }, { dryRun: false });
    assert.equal(calls.filter((a) => a === PRIMARY).length, 1);
    assert.equal(report.records[0]!.outcome, 'in-sync');
    assert.equal(m.writes.length, 0);
  });

  it('no confirming probes for a failing server that cannot change the decision (the healthy top server settles it)', async () => {
    const { probe, calls } = scripted({ [PRIMARY]: [true], [BACKUP]: [false], [LOW]: [false] });
    const { report, state } = await runOnce(config(record()), stateWith(allUp), { providers: { p: memory([PRIMARY]).p }, probe }, { dryRun: false });
    assert.deepEqual(calls.sort(), [PRIMARY, BACKUP, LOW].sort());
    assert.equal(report.records[0]!.outcome, 'in-sync');
    assert.equal(state.records['app.example.test/A']!.servers[BACKUP]!.failStreak, 1, 'the one failure is still counted');
  });

  it('no confirming probes for a down server: the rise side is unchanged', async () => {
    const { probe, calls } = scripted({ [PRIMARY]: [false], [BACKUP]: [true], [LOW]: [true] });
    const prev: RecordHistory = { ...allUp, published: [BACKUP], servers: { ...allUp.servers, [PRIMARY]: { state: 'down', okStreak: 0, failStreak: 7 } } };
    await runOnce(config(record()), stateWith(prev), { providers: { p: memory([BACKUP]).p }, probe }, { dryRun: false });
    assert.equal(calls.filter((a) => a === PRIMARY).length, 1);
  });

  it('watch caps the gap at its interval', { timeout: 20_000 }, async () => {
    const { probe } = scripted({ [PRIMARY]: [false], [BACKUP]: [true], [LOW]: [true] });
    const { report } = await runOnce(config(record({}, 60_000)), stateWith(allUp), { providers: { p: memory([PRIMARY]).p }, probe }, { dryRun: false, fastIntervalCapMs: 5 });
    assert.equal(report.records[0]!.servers[0]!.probes, 3, 'a 1m fastInterval would not fit in the bound: one probe');
  });

  it('a confirming probe that could not end within the bound is not made (the first probes waited for a slot)', async () => {
    const { probe: answer, calls } = scripted({ [PRIMARY]: [false], [BACKUP]: [true], [LOW]: [true] });
    const late = async (t: ProbeTarget[]) => {
      if (calls.length === 0) await sleep(probingBoundMs(config(record())));
      return answer(t);
    };
    const { report, state } = await runOnce(config(record()), stateWith(allUp), { providers: { p: memory([PRIMARY]).p }, probe: late }, { dryRun: false });
    assert.equal(report.records[0]!.servers[0]!.probes, 1);
    assert.equal(state.records['app.example.test/A']!.servers[PRIMARY]!.failStreak, 1, 'the next run goes on counting');
  });
});

describe('probingBoundMs: the documented upper bound of a run', () => {
  it('fall × (timeout + fastInterval) of the slowest server; one timeout without confirming probes', () => {
    assert.equal(probingBoundMs(config(record({}, 2000))), 3 * (100 + 2000));
    assert.equal(probingBoundMs(config(record({}, 0))), 100);
    assert.equal(probingBoundMs(config(record({}, 2000)), 500), 3 * (100 + 500));
  });
});
