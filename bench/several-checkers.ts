import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BACKUP, checkersZone, createCheckerCluster, PRIMARY, type CheckerCluster, type Watcher } from '../test/helpers/netns-checkers.js';
import { median } from './lib/measure-node.js';
import type { BenchRow } from './lib/row.js';

const ROUNDS = 30;
const OUTAGES = 5;
const STEADY_MS = 60_000;

/**
 * Bench 6 (issue 13): three `dnsfail watch --interval 1s` checkers, each in a network namespace of its
 * own, on one zone file (fall 2, rise 2, quorum 2, staleAfter 30s):
 * - one checker partitioned from the primary for 30 of its rounds: record changes, with votes and
 *   without them (two checkers without `vantage:`, one partitioned, fight over the record);
 * - the primary down for everyone, 5 times: failover latency (down → the zone file holds the backup);
 * - steady state: vote writes per checker per hour.
 */
export async function run(): Promise<BenchRow[]> {
  const cleanups: Array<() => void> = [];
  const ctx = {
    skip: (why: string) => {
      throw new Error(`skipped: ${why}`);
    },
    after: (fn: () => void) => cleanups.push(fn),
  } as unknown as TestContext;
  try {
    const fight = await partitionChanges(ctx, false);
    const voted = await partitionChanges(ctx, true);
    const { latencies, votesPerHour } = await outagesAndSteadyState(ctx);
    return [
      { name: `partition of 1 checker, ${ROUNDS} rounds: record changes with votes`, value: voted, unit: 'changes', compare: { name: 'without votes (2 checkers)', value: fight }, note: 'target 0' },
      { name: `primary down, median of ${OUTAGES}: failover latency`, value: Math.round(median(latencies)), unit: 'ms', note: `fall 2 × 1 s + a vote round; min–max ${Math.round(Math.min(...latencies))}–${Math.round(Math.max(...latencies))} ms` },
      { name: 'steady state: vote writes per checker per hour', value: Math.round(votesPerHour), unit: 'writes', note: 'staleAfter 30s (heartbeat 15 s); 12/h with the default 10m' },
    ];
  } finally {
    for (const fn of cleanups.reverse()) fn();
  }
}

const runsOf = (w: Watcher) => w.log.filter((l) => l.event === 'run').length;

async function cluster(ctx: TestContext): Promise<CheckerCluster> {
  const c = await createCheckerCluster(ctx, { checkers: 3, servers: 2 });
  if (!c) throw new Error('skipped: network namespaces unavailable');
  return c;
}

async function waitFor(ok: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (!ok()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(25);
  }
  return performance.now() - t0;
}

/** Record changes while checker 0 cannot reach the primary for ROUNDS of its rounds. */
async function partitionChanges(ctx: TestContext, vantage: boolean): Promise<number> {
  const c = await cluster(ctx);
  const z = checkersZone(c, { fall: 2, rise: 2, vantage });
  ctx.after(z.stop);
  const checkers = vantage ? [0, 1, 2] : [0, 1];
  const w = checkers.map((k) => c.startWatch(k, ['--interval', '1s', ...z.args(k)], z.env(k)));
  await waitFor(() => w.every((x) => runsOf(x) >= 2), 30_000);
  const before = z.changes.length;
  const undo = c.partition(0, PRIMARY);
  const from = runsOf(w[0]!);
  await waitFor(() => runsOf(w[0]!) >= from + ROUNDS, ROUNDS * 3000);
  undo();
  const changes = z.changes.length - before;
  c.teardown();
  return changes;
}

async function outagesAndSteadyState(ctx: TestContext): Promise<{ latencies: number[]; votesPerHour: number }> {
  const c = await cluster(ctx);
  const z = checkersZone(c, { fall: 2, rise: 2 });
  ctx.after(z.stop);
  [0, 1, 2].forEach((k) => c.startWatch(k, ['--interval', '1s', ...z.args(k)], z.env(k)));
  await waitFor(() => [0, 1, 2].every((k) => z.vote(k) === 'UU'), 30_000);
  const latencies: number[] = [];
  for (let i = 0; i < OUTAGES; i++) {
    // A random phase against the checkers' rounds.
    await sleep(Math.random() * 1000);
    const undo = c.down(PRIMARY);
    latencies.push(await waitFor(() => z.published() === BACKUP, 30_000));
    undo();
    await waitFor(() => z.published() === PRIMARY && [0, 1, 2].every((k) => z.vote(k) === 'UU'), 30_000);
  }
  // Steady state: every vote line's changes over a minute.
  const seen = [0, 1, 2].map(() => new Set<string>());
  const voteLine = (k: number) => new RegExp(`^c${k}\\._dnsfail\\..* IN TXT (".*")$`, 'm').exec(z.text())?.[1] ?? '';
  const t0 = performance.now();
  while (performance.now() - t0 < STEADY_MS) {
    [0, 1, 2].forEach((k) => seen[k]!.add(voteLine(k)));
    await sleep(100);
  }
  const writes = seen.map((s) => s.size - 1);
  c.teardown();
  return { latencies, votesPerHour: (median(writes) * 3_600_000) / STEADY_MS };
}
