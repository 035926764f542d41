import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRecord } from '../../src/core/select.js';
import type { Observation, RecordHistory, RecordPolicy } from '../../src/core/types.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const A = '192.0.2.10';
const B = '192.0.2.20';
const C = '192.0.2.30';

function policy(over: Partial<RecordPolicy> = {}): RecordPolicy {
  return {
    name: 'app.example.test',
    type: 'A',
    strategy: 'failover',
    fall: 3,
    rise: 2,
    failback: 'auto',
    onAllDown: 'keep',
    servers: [{ address: A, label: 'primary' }, { address: B, label: 'backup' }, { address: C }],
    ...over,
  };
}

/** Observations from a pattern like "+-+" (healthy, down, healthy) in queue order. */
function obs(pattern: string): Observation[] {
  return [A, B, C].map((address, i) => ({
    address,
    healthy: pattern[i] === '+',
    latencyMs: 5,
    ...(pattern[i] === '+' ? {} : { error: 'connect ECONNREFUSED' }),
  }));
}

/** Runs several probe rounds, feeding each round's history into the next. */
function rounds(p: RecordPolicy, patterns: string[], current: string[] | null, prev?: RecordHistory) {
  let history = prev;
  let cur = current;
  let last;
  for (const pat of patterns) {
    last = decideRecord(p, history, obs(pat), cur, T0);
    history = last.next;
    if (last.changed && last.desired) cur = last.desired;
  }
  return { decision: last!, current: cur, history: history! };
}

describe('decideRecord: failover queue', () => {
  const cases: Array<{ name: string; policy?: Partial<RecordPolicy>; patterns: string[]; current: string[] | null; want: string[] | null; changed: boolean; outcome?: string }> = [
    { name: 'cold start, all up, record missing: publishes the top server', patterns: ['+++'], current: null, want: [A], changed: true },
    { name: 'cold start, primary down: first probe counts, publishes the backup', patterns: ['-++'], current: [A], want: [B], changed: true },
    { name: 'in sync: no write when the record already holds the top server', patterns: ['+++'], current: [A], want: [A], changed: false, outcome: 'in-sync' },
    { name: 'one failure of an up primary does not fail over (fall 3)', patterns: ['+++', '-++'], current: [A], want: [A], changed: false },
    { name: 'two failures do not fail over (fall 3)', patterns: ['+++', '-++', '-++'], current: [A], want: [A], changed: false },
    { name: 'fails over only after 3 consecutive failures', patterns: ['+++', '-++', '-++', '-++'], current: [A], want: [B], changed: true },
    { name: 'a success in between resets the failure count', patterns: ['+++', '-++', '-++', '+++', '-++', '-++'], current: [A], want: [A], changed: false },
    { name: 'skips every down server in queue order', patterns: ['--+'], current: [A], want: [C], changed: true },
    { name: 'failback auto waits for rise 2', patterns: ['-++', '+++'], current: [B], want: [B], changed: false },
    { name: 'failback auto returns after 2 good probes', patterns: ['-++', '+++', '+++'], current: [B], want: [A], changed: true },
    { name: 'failback sticky stays on the active backup while it is up', policy: { failback: 'sticky' }, patterns: ['-++', '+++', '+++', '+++'], current: [B], want: [B], changed: false },
    { name: 'failback sticky moves when the active server fails', policy: { failback: 'sticky', fall: 1 }, patterns: ['-++', '+++', '+++', '+-+'], current: [B], want: [A], changed: true },
    { name: 'sticky cold start keeps the current value read from the provider', policy: { failback: 'sticky' }, patterns: ['+++'], current: [B], want: [B], changed: false },
    { name: 'auto cold start corrects the current value to the top server', patterns: ['+++'], current: [B], want: [A], changed: true },
    { name: 'a record holding a foreign address is corrected', patterns: ['+++'], current: ['203.0.113.9'], want: [A], changed: true },
    { name: 'all down with keep leaves the record alone', patterns: ['---'], current: [A], want: [A], changed: false, outcome: 'all-down' },
    { name: 'all down with keep and a missing record writes nothing', patterns: ['---'], current: null, want: null, changed: false, outcome: 'all-down' },
    { name: 'all down publishes the onAllDown fallback', policy: { onAllDown: '198.51.100.1' }, patterns: ['---'], current: [A], want: ['198.51.100.1'], changed: true, outcome: 'fallback' },
    { name: 'fallback already published: no write', policy: { onAllDown: '198.51.100.1' }, patterns: ['---'], current: ['198.51.100.1'], want: ['198.51.100.1'], changed: false, outcome: 'fallback' },
    { name: 'strategy all publishes every up server in queue order', policy: { strategy: 'all' }, patterns: ['+-+'], current: null, want: [A, C], changed: true },
    { name: 'strategy all is in sync regardless of order', policy: { strategy: 'all' }, patterns: ['+++'], current: [C, B, A], want: [A, B, C], changed: false },
    { name: 'strategy all honours max', policy: { strategy: 'all', max: 2 }, patterns: ['+++'], current: null, want: [A, B], changed: true },
    { name: 'strategy all drops a server only after fall', policy: { strategy: 'all' }, patterns: ['+++', '-++', '-++', '-++'], current: [A, B, C], want: [B, C], changed: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { decision } = rounds(policy(c.policy), c.patterns, c.current);
      assert.deepEqual(decision.desired, c.want);
      assert.equal(decision.changed, c.changed);
      if (c.outcome) assert.equal(decision.outcome, c.outcome);
    });
  }
});

describe('decideRecord: history and explanations', () => {
  it('persists per-server streaks and the last error', () => {
    const { history } = rounds(policy(), ['+++', '-++'], [A]);
    assert.deepEqual(
      { state: history.servers[A]!.state, ok: history.servers[A]!.okStreak, fail: history.servers[A]!.failStreak, err: history.servers[A]!.lastError },
      { state: 'up', ok: 0, fail: 1, err: 'connect ECONNREFUSED' },
    );
    assert.equal(history.servers[B]!.okStreak, 2);
  });

  it('a server without an observation keeps its history (unknown is never down)', () => {
    const d = decideRecord(policy(), undefined, obs('+++').slice(1), null, T0);
    assert.equal(d.servers[0]!.state, 'unknown');
    assert.equal(d.servers[0]!.healthy, null);
    assert.deepEqual(d.desired, [B]);
  });

  it('drops history of servers no longer in the queue', () => {
    const prev: RecordHistory = { servers: { '203.0.113.1': { state: 'up', okStreak: 4, failStreak: 0 } } };
    const d = decideRecord(policy(), prev, obs('+++'), [A], T0);
    assert.deepEqual(Object.keys(d.next.servers).sort(), [A, B, C].sort());
  });

  it('says why it failed over, naming the server, its label and the probe error', () => {
    const { decision } = rounds(policy({ fall: 1 }), ['+++', '-++'], [A]);
    assert.match(decision.reason, /192\.0\.2\.10 \(primary\) is down \(connect ECONNREFUSED\); 192\.0\.2\.20 \(backup\) is the first server up/);
  });

  it('a what-if decision (explain: false) publishes the same and leaves the reason empty', () => {
    const full = decideRecord(policy({ fall: 1 }), undefined, obs('-++'), [A], T0);
    const bare = decideRecord(policy({ fall: 1 }), undefined, obs('-++'), [A], T0, { explain: false });
    assert.notEqual(full.reason, '');
    assert.deepEqual({ ...bare, reason: full.reason }, full);
    assert.equal(bare.reason, '');
  });

    it('says failback when the primary returns', () => {
    const { decision } = rounds(policy({ rise: 1 }), ['-++', '+++'], [B]);
    assert.match(decision.reason, /192\.0\.2\.10 \(primary\) is up again \(failback: auto\)/);
  });

  it('compares IPv6 values by address, not spelling', () => {
    const p = policy({ type: 'AAAA', servers: [{ address: '2001:db8::1' }] });
    const d = decideRecord(p, undefined, [{ address: '2001:db8::1', healthy: true, latencyMs: 1 }], ['2001:DB8:0:0::1'], T0);
    assert.equal(d.changed, false);
  });

  it('is pure: the same inputs give the same decision and the input history is not mutated', () => {
    const prev: RecordHistory = { servers: { [A]: { state: 'up', okStreak: 1, failStreak: 0 } } };
    const copy = structuredClone(prev);
    const d1 = decideRecord(policy(), prev, obs('-++'), [A], T0);
    const d2 = decideRecord(policy(), prev, obs('-++'), [A], T0);
    assert.deepEqual(d1, d2);
    assert.deepEqual(prev, copy);
  });
});

describe('decideRecord: a write-only provider without state', () => {
  it('says the current value is unknown, not that the record is missing', () => {
    const p: RecordPolicy = { name: 'app.example.test', type: 'A', strategy: 'failover', fall: 3, rise: 2, failback: 'auto', onAllDown: 'keep', servers: [{ address: '192.0.2.10' }] };
    const o = [{ address: '192.0.2.10', healthy: true, latencyMs: 1 }];
    assert.match(decideRecord(p, undefined, o, null, new Date(0), { currentUnknown: true }).reason, /^what the record holds is unknown/);
    assert.match(decideRecord(p, undefined, o, null, new Date(0)).reason, /^record is missing/);
  });
});
