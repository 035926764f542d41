import type { CurrentRecord, ItemResult, Provider, RecordRef, WriteItem } from '../providers/kit/types.js';
import { ProviderError } from '../providers/kit/errors.js';
import { runOnce } from '../src/app/run-once.js';
import type { Config, RecordConfig } from '../src/config/types.js';
import { parseVote, voteName } from '../src/core/votes.js';
import type { ProbeTarget } from '../src/health/types.js';
import { emptyState, type StateFile } from '../src/state/store.js';
import { median } from './lib/measure-node.js';
import type { BenchRow } from './lib/row.js';

/**
 * Bench 7 (issue 13): who writes the record when several checkers agree, measured on the engine itself
 * (runOnce, simulated clock, no network): every checker (what dnsfail does), or only the first peer
 * in `peers` order whose vote is fresh (a leader). Three cron checkers run every 60 s at offsets 0,
 * 20 and 40 s, fall 2, quorum 2, staleAfter 10m; the primary dies at each second of a minute in turn
 * (60 outages). Measured: seconds from the death to the record holding the backup, with the leader
 * alive and with the leader dead, and record and vote writes per hour at steady state.
 */
const PRIMARY = '192.0.2.1';
const BACKUP = '192.0.2.2';
const NAME = 'app.example.test';
const PEERS = ['c0', 'c1', 'c2'];
const OFFSETS = [0, 20, 40];
const STALE_MS = 10 * 60_000;
const record: RecordConfig = {
  key: `${NAME}/A`, name: NAME, type: 'A', provider: 'p', ttl: 60, strategy: 'failover', fall: 2, rise: 2, failback: 'auto', onAllDown: 'keep',
  servers: [PRIMARY, BACKUP].map((address) => ({ address, check: { type: 'tcp', port: 1, timeoutMs: 100 } })),
};
const config = (id: string): Config => ({
  source: 'bench', baseDir: '/', providers: { p: { id: 'p', kind: 'memory', factory: {} as never, settings: {} } }, records: [record], notify: [],
  vantage: { id, peers: PEERS, quorum: 2, staleAfterMs: STALE_MS },
});

type Policy = 'every' | 'leader';

/** One simulated cluster: the shared store, each checker's state, a clock in seconds. */
function simulate(policy: Policy, deathAt: number, leaderDead: boolean, horizonS: number) {
  const store = new Map<string, CurrentRecord>([[`${NAME}/A`, { values: [PRIMARY], ttl: 60 }]]);
  const writes = { record: 0, votes: 0 };
  let clock = 0;
  const key = (r: RecordRef) => `${r.name}/${r.type}`;
  /** The first peer whose vote is fresh at the simulated time. */
  const leader = () =>
    PEERS.find((id) => {
      const v = store.get(`${voteName(id, NAME)}/TXT`)?.values[0];
      const parsed = v ? parseVote(v) : undefined;
      return parsed && !('problem' in parsed) && clock - parsed.at <= STALE_MS / 1000;
    });
  const providerFor = (id: string): Provider => {
    const put = (it: WriteItem): ItemResult => {
      if (it.ref.type === 'A' && policy === 'leader' && leader() !== id) return { ok: false, error: new ProviderError('conflict', 'not the leader') };
      if (it.ref.type === 'A') writes.record++;
      else writes.votes++;
      store.set(key(it.ref), { values: it.req.values, ttl: it.req.ttl });
      return { ok: true };
    };
    return {
      read: async (ref) => store.get(key(ref)) ?? null,
      readMany: async (refs) => refs.map((r) => store.get(key(r)) ?? null),
      write: async (ref, req) => {
        const r = put({ ref, req });
        if (!r.ok) throw r.error;
      },
      writeMany: async (items) => items.map(put),
    };
  };
  const states = new Map<string, StateFile>(PEERS.map((id) => [id, emptyState()]));
  const probe = async (t: ProbeTarget[]) => t.map((x) => ({ healthy: !(x.address === PRIMARY && clock >= deathAt), latencyMs: 1 }));
  const run = async (id: string) => {
    const r = await runOnce(config(id), states.get(id)!, { providers: { p: providerFor(id) }, probe, now: () => new Date(clock * 1000) }, { dryRun: false });
    states.set(id, r.state);
  };
  return {
    writes,
    async until(done: () => boolean): Promise<number | null> {
      for (; clock < horizonS; clock++) {
        for (const [k, id] of PEERS.entries()) {
          if (clock % 60 !== OFFSETS[k]) continue;
          if (leaderDead && id === 'c0' && clock >= deathAt - 30) continue;
          await run(id);
        }
        if (done()) return clock++;
      }
      return null;
    },
    now: () => clock,
    failedOver: () => store.get(`${NAME}/A`)?.values[0] === BACKUP,
  };
}

async function latencies(policy: Policy, leaderDead: boolean): Promise<number[]> {
  const out: number[] = [];
  for (let phase = 0; phase < 60; phase++) {
    const deathAt = 600 + phase;
    const sim = simulate(policy, deathAt, leaderDead, deathAt + 3600);
    const at = await sim.until(sim.failedOver);
    out.push(at === null ? Infinity : at - deathAt);
  }
  return out;
}

async function steadyWritesPerHour(policy: Policy): Promise<{ record: number; votes: number }> {
  const sim = simulate(policy, Number.MAX_SAFE_INTEGER, false, 3 * 3600);
  // Hours 2 and 3: the first hour holds every checker's first vote.
  await sim.until(() => sim.now() >= 3600);
  const before = { ...sim.writes };
  await sim.until(() => false);
  return { record: (sim.writes.record - before.record) / 2, votes: (sim.writes.votes - before.votes) / 2 / PEERS.length };
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const every = await latencies('every', false);
  const leader = await latencies('leader', false);
  const everyDead = await latencies('every', true);
  const leaderDead = await latencies('leader', true);
  const fmt = (xs: number[]) => `median of 60 outages, min–max ${Math.min(...xs)}–${Math.max(...xs)} s`;
  rows.push({ name: 'failover after the primary dies, every checker writes', value: median(every), unit: 's', compare: { name: 'leader only', value: median(leader) }, ratio: median(every) / median(leader), note: fmt(every) });
  rows.push({ name: 'the same with the first peer (the leader) dead', value: median(everyDead), unit: 's', compare: { name: 'leader only', value: median(leaderDead) }, ratio: median(everyDead) / median(leaderDead), note: `leader only: ${fmt(leaderDead)}` });
  const e = await steadyWritesPerHour('every');
  const l = await steadyWritesPerHour('leader');
  rows.push({ name: 'steady state: record writes per hour', value: e.record, unit: 'writes', compare: { name: 'leader only', value: l.record } });
  rows.push({ name: 'steady state: vote writes per checker per hour', value: e.votes, unit: 'writes', compare: { name: 'leader only', value: l.votes }, note: 'staleAfter 10m' });
  return rows;
}
