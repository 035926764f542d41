import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CurrentRecord, ItemResult, Provider, RecordRef, WriteItem } from '../../providers/kit/types.js';
import { runOnce } from '../../src/app/run-once.js';
import type { Config, RecordConfig, VantageConfig } from '../../src/config/types.js';
import type { ProbeResult, ProbeTarget } from '../../src/health/types.js';
import { emptyState, type StateFile } from '../../src/state/store.js';
import { renderMetrics } from '../../src/metrics/prometheus.js';

/** Three checkers, one shared store: the votes keep them from fighting (issue 13). */

const PRIMARY = '192.0.2.1';
const BACKUP = '192.0.2.2';
const NAME = 'app.example.test';
const PEERS = ['home', 'gh', 'k8s'];
const record: RecordConfig = {
  key: `${NAME}/A`, name: NAME, type: 'A', provider: 'p', ttl: 60, strategy: 'failover', fall: 2, rise: 2, failback: 'auto', onAllDown: 'keep',
  servers: [PRIMARY, BACKUP].map((address) => ({ address, check: { type: 'tcp', port: 1, timeoutMs: 100 } })),
};
const config = (id: string): Config => ({
  source: 'test', baseDir: '/', providers: { p: { id: 'p', kind: 'memory', factory: {} as never, settings: {} } }, records: [record], notify: [],
  vantage: { id, peers: PEERS, quorum: 2, staleAfterMs: 10 * 60_000 } satisfies VantageConfig,
});

/** The DNS provider every checker shares: A and TXT records in memory, every write logged. */
function sharedZone() {
  const store = new Map<string, CurrentRecord>([[`${NAME}/A`, { values: [PRIMARY], ttl: 60 }]]);
  const writes: WriteItem[] = [];
  const key = (r: RecordRef) => `${r.name}/${r.type}`;
  const put = (it: WriteItem) => {
    writes.push(it);
    store.set(key(it.ref), { values: it.req.values, ttl: it.req.ttl });
  };
  const p: Provider = {
    read: async (ref) => store.get(key(ref)) ?? null,
    readMany: async (refs) => refs.map((r) => store.get(key(r)) ?? null),
    write: async (ref, req) => put({ ref, req }),
    writeMany: async (items): Promise<ItemResult[]> => items.map((it) => (put(it), { ok: true })),
  };
  return { p, store, writes, recordWrites: () => writes.filter((w) => w.ref.type === 'A'), voteWrites: (id: string) => writes.filter((w) => w.ref.name === `${id}._dnsfail.${NAME}`) };
}

/** A checker: its own state file, its own view of the network, a shared clock. */
function checker(id: string, zone: ReturnType<typeof sharedZone>, clock: { now: Date }) {
  let state: StateFile = emptyState();
  const reach: Record<string, boolean> = { [PRIMARY]: true, [BACKUP]: true };
  const probe = async (t: ProbeTarget[]): Promise<ProbeResult[]> => t.map((x) => (reach[x.address] ? { healthy: true, latencyMs: 1 } : { healthy: false, latencyMs: 1, error: 'timeout' }));
  return {
    reach,
    async run() {
      const r = await runOnce(config(id), state, { providers: { p: zone.p }, probe, now: () => clock.now }, { dryRun: false });
      state = r.state;
      return r.report;
    },
  };
}

function cluster() {
  const zone = sharedZone();
  const clock = { now: new Date('2026-12-05T00:00:00Z') };
  const checkers = Object.fromEntries(PEERS.map((id) => [id, checker(id, zone, clock)])) as Record<string, ReturnType<typeof checker>>;
  /** One round: each live checker runs once, then a minute passes. */
  const round = async (live = PEERS) => {
    const reports = [];
    for (const id of live) reports.push(await checkers[id]!.run());
    clock.now = new Date(clock.now.getTime() + 60_000);
    return reports;
  };
  return { zone, checkers, round };
}

describe('several checkers on one record (vantage votes)', () => {
  it('one checker cut off from the primary for 50 rounds: no record change, its vote says down, the others say up', async () => {
    const { zone, checkers, round } = cluster();
    await round(); // every checker votes once: until then a checker has no quorum
    checkers.home!.reach[PRIMARY] = false;
    for (let i = 0; i < 50; i++) {
      for (const r of await round()) assert.equal(r.exitCode, 0, r.records[0]!.reason);
    }
    assert.equal(zone.recordWrites().length, 0, 'the record is never written');
    assert.match(zone.store.get(`home._dnsfail.${NAME}/TXT`)!.values[0]!, / s=DU$/);
    assert.match(zone.store.get(`gh._dnsfail.${NAME}/TXT`)!.values[0]!, / s=UU$/);
    // Votes are written when a view changes and as a heartbeat (every 5 minutes here), not every run.
    for (const id of PEERS) assert.ok(zone.voteWrites(id).length <= 50 / 5 + 3, `${id}: ${zone.voteWrites(id).length} vote writes`);
  });

  it('the primary really down: exactly one change, and every checker converges on the backup', async () => {
    const { zone, checkers, round } = cluster();
    await round();
    for (const id of PEERS) checkers[id]!.reach[PRIMARY] = false;
    let moved = -1;
    for (let i = 0; i < 6; i++) {
      await round();
      if (moved < 0 && zone.recordWrites().length) moved = i;
    }
    assert.deepEqual(zone.recordWrites().map((w) => w.req.values), [[BACKUP]], JSON.stringify(zone.writes.map((w) => [w.ref.name, w.req.values])));
    // fall 2: the second failed round counts it down here, and the second checker of that round sees two down votes.
    assert.equal(moved, 1);
  });

  it('one checker dead: the other two still fail over; two dead: no quorum, nothing changed, exit code 4', async () => {
    const { zone, checkers, round } = cluster();
    await round();
    const alive = ['home', 'gh'];
    for (const id of PEERS) checkers[id]!.reach[PRIMARY] = false;
    for (let i = 0; i < 15; i++) await round(alive);
    assert.equal(zone.recordWrites().length, 1);
    assert.deepEqual(zone.store.get(`${NAME}/A`)!.values, [BACKUP]);

    // gh dies too: once its vote is stale (10 minutes), home alone is no quorum.
    let last;
    const told: string[] = [];
    for (let i = 0; i < 11; i++) {
      [last] = await round(['home']);
      told.push(...last!.events.map((e) => e.kind));
    }
    assert.deepEqual(told, ['quorum-lost'], 'told once, on the transition');
    assert.equal(last!.exitCode, 4);
    assert.equal(last!.records[0]!.outcome, 'no-quorum');
    assert.match(last!.records[0]!.reason, /only 1 of the 2 fresh votes the quorum needs \(gh: stale .*; k8s: stale/);
    // The primary comes back: without a quorum, no failback.
    for (const id of PEERS) checkers[id]!.reach[PRIMARY] = true;
    for (let i = 0; i < 3; i++) [last] = await round(['home']);
    assert.equal(last!.exitCode, 4);
    assert.equal(zone.recordWrites().length, 1, 'no failback without a quorum');
    assert.match(zone.store.get(`home._dnsfail.${NAME}/TXT`)!.values[0]!, / s=UU$/, 'it still writes its own vote');
  });

  it('a peer vote that is malformed is ignored with a warning, never a crash', async () => {
    const { zone, checkers } = cluster();
    zone.store.set(`gh._dnsfail.${NAME}/TXT`, { values: ['v=dnsfail1 id=gh at=oops'] });
    const r = await checkers.home!.run();
    assert.equal(r.exitCode, 4, 'home alone is not a quorum');
    assert.deepEqual(r.warnings, [`${NAME}: the vote of gh does not count: malformed vote: at`]);
  });

  it('metrics: whether each peer\'s vote counted, and its age', async () => {
    const { checkers, round } = cluster();
    await round();
    const report = await checkers.home!.run();
    const text = renderMetrics({ records: [record], history: {}, report, finishedAt: 0 });
    assert.match(text, /^dnsfail_vote_counted\{record="app\.example\.test",type="A",vantage="gh"\} 1$/m);
    assert.match(text, /^dnsfail_vote_counted\{record="app\.example\.test",type="A",vantage="home"\} 1$/m);
    assert.match(text, /^dnsfail_vote_age_seconds\{record="app\.example\.test",type="A",vantage="k8s"\} \d+$/m);
  });

  it('a dry run reads the votes but writes nothing, not even its own vote', async () => {
    const { zone } = cluster();
    const r = await runOnce(config('home'), emptyState(), { providers: { p: zone.p }, probe: async (t) => t.map(() => ({ healthy: true, latencyMs: 1 })) }, { dryRun: true });
    assert.equal(zone.writes.length, 0);
    assert.deepEqual(r.report.records[0]!.votes!.map((v) => v.id), PEERS);
  });
});

describe('votes kept by another provider (vantage.store)', () => {
  it('a write-only provider\'s record, its votes read and written through the store', async () => {
    const store = sharedZone();
    const written: WriteItem[] = [];
    const writeOnly: Provider = { write: async (ref, req) => void written.push({ ref, req }) };
    const cfg = (id: string): Config => ({
      ...config(id),
      providers: { p: { id: 'p', kind: 'dyndns2', factory: {} as never, settings: {} }, votes: { id: 'votes', kind: 'memory', factory: {} as never, settings: {} } },
      vantage: { id, peers: PEERS, quorum: 2, staleAfterMs: 600_000, store: 'votes' },
    });
    const probe = async (t: ProbeTarget[]): Promise<ProbeResult[]> => t.map((x) => ({ healthy: x.address === BACKUP, latencyMs: 1 }));
    const now = new Date('2026-12-05T00:00:00Z');
    const home = await runOnce(cfg('home'), emptyState(), { providers: { p: writeOnly, votes: store.p }, probe, now: () => now }, { dryRun: false });
    assert.equal(home.report.exitCode, 4);
    assert.equal(written.length, 0);
    const gh = await runOnce(cfg('gh'), emptyState(), { providers: { p: writeOnly, votes: store.p }, probe, now: () => now }, { dryRun: false });
    assert.equal(gh.report.exitCode, 0, gh.report.records[0]!.reason);
    assert.deepEqual(written.map((w) => w.req.values), [[BACKUP]], 'the record through its own provider');
    assert.deepEqual(store.voteWrites('home').length + store.voteWrites('gh').length, 2, 'the votes through the store');
    assert.equal(store.recordWrites().length, 0);
  });
});
