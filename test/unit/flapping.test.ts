import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRecord } from '../../src/core/select.js';
import type { RecordHistory, RecordPolicy } from '../../src/core/types.js';
import { prng } from '../helpers/prng.js';

/**
 * Anti-flapping, property-style: one server whose health flips in some pattern, a stable backup
 * behind it, hundreds of probe rounds through decideRecord, and the record's moves counted.
 */

const T0 = Date.parse('2026-01-01T00:00:00Z');
const PRIMARY = '192.0.2.10';
const BACKUP = '192.0.2.20';

const policyOf = (fall: number, rise: number, failback: RecordPolicy['failback'] = 'auto'): RecordPolicy => ({
  name: 'app.example.test',
  type: 'A',
  strategy: 'failover',
  fall,
  rise,
  failback,
  onAllDown: 'keep',
  servers: [{ address: PRIMARY }, { address: BACKUP }],
});

interface Move {
  probe: number;
  to: string;
}

/**
 * Runs one probe per entry of `primaryHealth` (the backup is always healthy), starting from a
 * settled record on the primary, and returns the probes at which the record moved.
 */
function simulate(policy: RecordPolicy, primaryHealth: boolean[]): Move[] {
  let history: RecordHistory | undefined;
  let current: string[] = [PRIMARY];
  // Settle: both servers up with a long streak, the record on the primary.
  for (let i = 0; i < policy.fall + policy.rise; i++) {
    history = decideRecord(policy, history, [
      { address: PRIMARY, healthy: true, latencyMs: 1 },
      { address: BACKUP, healthy: true, latencyMs: 1 },
    ], current, new Date(T0 - 1000 * (100 - i))).next;
  }
  const moves: Move[] = [];
  primaryHealth.forEach((healthy, probe) => {
    const d = decideRecord(policy, history, [
      { address: PRIMARY, healthy, latencyMs: 1, ...(healthy ? {} : { error: 'HTTP 503' }) },
      { address: BACKUP, healthy: true, latencyMs: 1 },
    ], current, new Date(T0 + 1000 * probe));
    history = d.next;
    if (d.changed && d.desired) {
      moves.push({ probe, to: d.desired.join(',') });
      current = d.desired;
    }
  });
  return moves;
}

/** Most moves inside any `window` consecutive probes. */
function mostMovesInWindow(moves: Move[], window: number): number {
  let most = 0;
  for (const m of moves) most = Math.max(most, moves.filter((o) => o.probe >= m.probe && o.probe < m.probe + window).length);
  return most;
}

const alternating = (n: number) => Array.from({ length: n }, (_, i) => i % 2 === 0);
const blocks = (n: number, on: number, off: number) => Array.from({ length: n }, (_, i) => i % (on + off) < on);
const random = (n: number, seed: number, pUp = 0.5) => {
  const r = prng(seed);
  return Array.from({ length: n }, () => r() < pUp);
};

const ROUNDS = 600;
const LIMITS = [
  { fall: 3, rise: 2 },
  { fall: 2, rise: 2 },
  { fall: 3, rise: 3 },
  { fall: 5, rise: 2 },
  { fall: 2, rise: 5 },
  { fall: 4, rise: 4 },
];

describe('anti-flapping: fall/rise hysteresis under flapping health', () => {
  it('a target that flaps on every probe, fall 3 / rise 2, never moves the record (so never more than once per five probes)', () => {
    for (const startHealthy of [true, false]) {
      const pattern = alternating(ROUNDS).map((h) => (startHealthy ? h : !h));
      const moves = simulate(policyOf(3, 2), pattern);
      assert.deepEqual(moves, [], `alternating, starting ${startHealthy ? 'healthy' : 'unhealthy'}`);
      assert.ok(mostMovesInWindow(moves, 5) <= 1);
    }
  });

  it('2 probes on / 2 off never moves the record with fall 3; with fall 2 it moves, but at most once per fall + rise probes in each direction', () => {
    assert.deepEqual(simulate(policyOf(3, 2), blocks(ROUNDS, 2, 2)), []);
    assert.deepEqual(simulate(policyOf(3, 2), blocks(ROUNDS, 1, 2)), []);
    const moves = simulate(policyOf(2, 2), blocks(ROUNDS, 2, 2));
    assert.ok(moves.length > 100, 'fall 2 / rise 2 does follow a 2-on/2-off target');
    assertRoundTripBound(moves, 2, 2, '2 on / 2 off, fall 2 / rise 2');
  });

  for (const { fall, rise } of LIMITS) {
    it(`random flapping, fall ${fall} / rise ${rise}: the record never moves twice in one direction within ${fall + rise} probes, and moves at least min(fall, rise) probes apart`, () => {
      let total = 0;
      let worstWindow = 0;
      for (let seed = 1; seed <= 40; seed++) {
        for (const pUp of [0.3, 0.5, 0.7]) {
          const moves = simulate(policyOf(fall, rise), random(ROUNDS, seed * 1000 + fall * 10 + rise, pUp));
          assertRoundTripBound(moves, fall, rise, `seed ${seed}, p(up) ${pUp}`);
          total += moves.length;
          worstWindow = Math.max(worstWindow, mostMovesInWindow(moves, fall + rise));
        }
      }
      assert.ok(total > 0, 'random flapping does move the record sometimes');
      assert.ok(worstWindow <= 2);
      console.log(`fall ${fall} / rise ${rise}: ${total} moves in ${40 * 3 * ROUNDS} probes; most in any ${fall + rise} consecutive probes: ${worstWindow}`);
    });
  }

  it('sticky failback: a flapping primary moves the record once, then never again', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const moves = simulate(policyOf(3, 2, 'sticky'), random(ROUNDS, seed));
      assert.ok(moves.length <= 1, `seed ${seed}: ${moves.length} moves`);
    }
  });

  it('why the bound is per direction: failover is never held back, so a 3-down/2-up target moves twice within five probes', () => {
    // Holding a move back to space them out would keep a dead server published past `fall` probes.
    const pattern = [false, false, false, true, true, false, false, false, true, true];
    const moves = simulate(policyOf(3, 2), pattern);
    assert.deepEqual(moves, [
      { probe: 2, to: BACKUP },
      { probe: 4, to: PRIMARY },
      { probe: 7, to: BACKUP },
      { probe: 9, to: PRIMARY },
    ]);
    assert.equal(mostMovesInWindow(moves, 5), 2);
  });
});

/**
 * The hysteresis guarantee: leaving the primary needs `fall` failures in a row and returning needs
 * `rise` successes in a row, so a full round trip takes at least fall + rise probes.
 */
function assertRoundTripBound(moves: Move[], fall: number, rise: number, what: string): void {
  for (let i = 1; i < moves.length; i++) {
    const prev = moves[i - 1]!;
    const m = moves[i]!;
    assert.notEqual(m.to, prev.to, `${what}: moves alternate`);
    const gap = m.probe - prev.probe;
    const need = m.to === PRIMARY ? rise : fall;
    assert.ok(gap >= need, `${what}: move to ${m.to} at probe ${m.probe} only ${gap} probes after the previous one (needs ${need})`);
    if (i >= 2) {
      const span = m.probe - moves[i - 2]!.probe;
      assert.ok(span >= fall + rise, `${what}: two moves to ${m.to} ${span} probes apart (at ${moves[i - 2]!.probe} and ${m.probe}), fewer than fall + rise = ${fall + rise}`);
    }
  }
}
