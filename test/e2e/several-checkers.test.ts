import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseZone } from '../../providers/zonefile/zone-parse.js';
import { BACKUP, checkersBind, checkersZone as setup, createCheckerCluster, PRIMARY, type CheckerCluster, type SharedRecord, type Watcher } from '../helpers/netns-checkers.js';
import { requireTools } from '../helpers/require-tool.js';

/**
 * Issue 13, proven with real processes and real partitions: three `dnsfail watch` checkers, each in a
 * network namespace of its own, share one config and one store for the record and the votes (TXT
 * records beside it): a zone file, or a BIND 9 written with RFC 2136 updates. The servers are reached
 * through veth links, a partition is an nft drop rule between one checker and one server.
 */

const runs = (w: Watcher) => w.log.filter((l) => l.event === 'run');

/** Waits until the zone file publishes `value` and the change poller has recorded it. */
const settled = (s: SharedRecord, value: string, what: string) =>
  until(what, () => s.published() === value && (s.changes.at(-1)?.to ?? PRIMARY) === value, 20_000);

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (!ok()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
  return performance.now() - t0;
}

const cluster = (t: TestContext): Promise<CheckerCluster | null> => createCheckerCluster(t, { checkers: 3, servers: 2 });

/**
 * The scenarios 1 to 3 of issue 13 on one store: one checker partitioned from the primary for 50 of
 * its rounds, the primary down for everyone, then one checker dead, then two.
 */
async function partitionOutageKills(t: TestContext, c: CheckerCluster, s: SharedRecord): Promise<void> {
  const w = [0, 1, 2].map((k) => c.startWatch(k, ['--interval', '1s', ...s.args(k)], s.env(k)));
  await until('every checker to vote', () => [0, 1, 2].every((k) => s.vote(k) === 'UU'), 20_000);

  // 1. c0 cut off from the primary for 50 of its rounds: the other two outvote it.
  const undoPartition = c.partition(0, PRIMARY);
  const from = runs(w[0]!).length;
  await until('c0 to vote the primary down', () => s.vote(0) === 'DU', 20_000);
  await until('50 rounds of c0', () => runs(w[0]!).length >= from + 50, 120_000);
  assert.equal(s.changes.length, 0, 'no record change while one checker is partitioned');
  assert.equal(s.published(), PRIMARY);
  assert.ok(runs(w[0]!).slice(from).every((r) => r.exitCode === 0), 'the partitioned checker decides (in sync), exit 0');
  assert.deepEqual([s.vote(1), s.vote(2)], ['UU', 'UU']);
  undoPartition();
  await until('c0 to vote the primary up again', () => s.vote(0) === 'UU', 20_000);

  // 2. The primary really down for everyone: exactly one change, within fall × interval plus a vote round.
  const before = s.changes.length;
  const undoDown = c.down(PRIMARY);
  const failoverMs = await settled(s, BACKUP, 'the failover');
  await sleep(3000);
  assert.deepEqual(s.changes.slice(before).map((x) => x.to), [BACKUP], 'one change');
  // fall 2 at a 1 s interval: the second failed round of the second checker to vote, plus one round for
  // the votes to meet, plus a probe timeout and the loaded machine's slack.
  assert.ok(failoverMs <= 6000, `failover took ${Math.round(failoverMs)} ms`);
  t.diagnostic(`outage: failover after ${Math.round(failoverMs)} ms (fall 2, interval 1s); record changes: ${s.changes.length - before}`);
  undoDown();
  await settled(s, PRIMARY, 'the failback');

  // 3. c2 dies, then the primary goes down: c0 and c1 are still a quorum.
  w[2]!.stop();
  const before3 = s.changes.length;
  const undoDown3 = c.down(PRIMARY);
  await settled(s, BACKUP, 'the failover by two checkers');
  await sleep(2000);
  assert.deepEqual(s.changes.slice(before3).map((x) => x.to), [BACKUP]);

  // c1 dies too: once its vote is stale (30 s), c0 alone has no quorum and changes nothing, not even a failback.
  w[1]!.stop();
  const since = w[0]!.log.length;
  const lost = () => w[0]!.log.slice(since).filter((l) => l.event === 'quorum-lost');
  await until('c0 to report the lost quorum', () => lost().length > 0, 60_000);
  undoDown3();
  const runsBefore = runs(w[0]!).length;
  await until('5 more rounds of c0', () => runs(w[0]!).length >= runsBefore + 5, 20_000);
  const codes = runs(w[0]!).slice(runsBefore).map((r) => r.exitCode);
  assert.deepEqual(codes, codes.map(() => 4), 'exit code 4 while there is no quorum');
  assert.equal(s.published(), BACKUP, 'no failback without a quorum');
  assert.equal(lost().length, 1, 'quorum-lost is told once');
  assert.match(String(lost()[0]!.message), /too few checkers have voted lately/);
}

describe('several checkers in network namespaces of their own (watch, votes)', { timeout: 600_000 }, () => {
  it('partition, outage, dead checkers: 0 changes from one checker\'s partition, 1 per real outage, no quorum with one left', async (t) => {
    const c = await cluster(t);
    if (!c) return;
    const s = setup(c, { fall: 2, rise: 2 });
    t.after(s.stop);
    await partitionOutageKills(t, c, s);
  });

  it('the same on BIND 9, written with RFC 2136 updates: 0 changes from a partition, 1 per outage, no quorum with one left', async (t) => {
    const c = await cluster(t);
    if (!c) return;
    const s = await checkersBind(t, c, { fall: 2, rise: 2 });
    if (!s) return;
    t.after(s.stop);
    await partitionOutageKills(t, c, s);
  });

  it('clocks 30 s ahead and 30 s behind: a partition still changes nothing, an outage still changes the record once', async (t) => {
    if (!requireTools(t, ['faketime'], 'apt-get install faketime')) return;
    const c = await cluster(t);
    if (!c) return;
    const s = setup(c, { fall: 2, rise: 2 });
    t.after(s.stop);
    const w = [
      c.startWatch(0, ['--interval', '1s', ...s.args(0)], s.env(0)),
      c.startWatch(1, ['--interval', '1s', ...s.args(1)], s.env(1), '+30s'),
      c.startWatch(2, ['--interval', '1s', ...s.args(2)], s.env(2), '-30s'),
    ];
    await until('every checker to vote', () => [0, 1, 2].every((k) => s.vote(k) === 'UU'), 20_000);
    // faketime took effect: the votes of c1 and c2, cast within a second or two, are dated about 60 s apart.
    const at = (k: number) => Number(new RegExp(`^c${k}\\._dnsfail\\..* id=c${k} at=(\\d+) `, 'm').exec(s.text())?.[1]);
    assert.ok(at(1) - at(2) >= 50, `c1 at=${at(1)}, c2 at=${at(2)}`);
    const undo = c.partition(2, PRIMARY);
    const from = runs(w[2]!).length;
    await until('c2 (30 s behind) to vote the primary down', () => s.vote(2) === 'DU', 20_000);
    await until('20 rounds of c2', () => runs(w[2]!).length >= from + 20, 60_000);
    assert.equal(s.changes.length, 0);
    undo();
    await until('c2 to vote the primary up again', () => s.vote(2) === 'UU', 20_000);
    const undoDown = c.down(PRIMARY);
    await settled(s, BACKUP, 'the failover');
    await sleep(2000);
    assert.deepEqual(s.changes.map((x) => x.to), [BACKUP]);
    undoDown();
    // Votes from a clock 30 s ahead count (within the 60 s allowance) and raise no warning.
    assert.deepEqual(w.flatMap((x) => x.log.filter((l) => l.event === 'warning')), []);
  });

  it('three checks started at the same instant, 20 rounds: no vote lost, the zone file valid, the record converged', async (t) => {
    const c = await cluster(t);
    if (!c) return;
    const s = setup(c, { fall: 1, rise: 1 });
    t.after(s.stop);
    for (let round = 0; round < 20; round++) {
      // The backup's health flips every round, so every checker rewrites its vote at the same moment.
      const undo = round % 2 === 1 ? c.down(BACKUP) : () => {};
      const results = await Promise.all([0, 1, 2].map((k) => c.run(k, ['check', ...s.args(k)], s.env(k))));
      undo();
      for (const r of results) assert.ok(r.code === 0 || (round === 0 && r.code === 4), `round ${round}: exit ${r.code}: ${r.stderr}`);
      const want = round % 2 === 1 ? 'UD' : 'UU';
      assert.deepEqual([0, 1, 2].map((k) => s.vote(k)), [want, want, want], `round ${round}: every vote as its checker cast it`);
      parseZone(s.text(), 'example.test');
    }
    assert.equal(s.published(), PRIMARY);
    assert.equal(s.changes.length, 0);
  });
});
