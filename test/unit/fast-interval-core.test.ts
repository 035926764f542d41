import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awaitsConfirmation, failuresToSettle, foldHistory, priorHistory } from '../../src/core/history.js';
import { decideRecord } from '../../src/core/select.js';
import { settledDecision } from '../../src/core/settle.js';
import type { Observation, RecordHistory, RecordPolicy, ServerHistory } from '../../src/core/types.js';

/** The pure side of fastInterval: confirming probes are ordinary observations, folded in order. */

const T0 = new Date('2026-01-01T00:00:00Z');
const S = ['192.0.2.1', '192.0.2.2', '192.0.2.3'];
const policy = (over: Partial<RecordPolicy> = {}): RecordPolicy => ({
  name: 'app.example.test', type: 'A', strategy: 'failover', fall: 3, rise: 2, failback: 'auto', onAllDown: 'keep',
  servers: S.map((address) => ({ address })), ...over,
});
const obs = (address: string, healthy: boolean): Observation => ({ address, healthy, latencyMs: 1, ...(healthy ? {} : { error: 'connect ECONNREFUSED' }) });
const up: ServerHistory = { state: 'up', okStreak: 5, failStreak: 0 };
const allUp = (): RecordHistory => ({ servers: Object.fromEntries(S.map((a) => [a, { ...up }])) });
const limits = { fall: 3, rise: 2 };

describe('foldHistory: each probe of the run counts, in order', () => {
  it('three failures of an up server count it down (fall 3)', () => {
    const h = foldHistory(up, [obs(S[0]!, false), obs(S[0]!, false), obs(S[0]!, false)], limits, T0);
    assert.deepEqual([h.state, h.failStreak, h.okStreak], ['down', 3, 0]);
  });

  it('a pass between failures resets the count', () => {
    const h = foldHistory(up, [obs(S[0]!, false), obs(S[0]!, false), obs(S[0]!, true), obs(S[0]!, false)], limits, T0);
    assert.deepEqual([h.state, h.failStreak], ['up', 1]);
  });

  it('no observation leaves the history as it was', () => {
    assert.deepEqual(foldHistory(up, [], limits, T0), up);
  });
});

describe('awaitsConfirmation: who gets a confirming probe', () => {
  it('an up server whose latest probe failed, short of fall', () => {
    assert.equal(awaitsConfirmation({ state: 'up', okStreak: 0, failStreak: 1 }, 3), true);
    assert.equal(awaitsConfirmation({ state: 'up', okStreak: 0, failStreak: 2 }, 3), true);
  });

  it('not a passing, down or unknown server (the rise side has no fast probes)', () => {
    assert.equal(awaitsConfirmation(up, 3), false);
    assert.equal(awaitsConfirmation({ state: 'down', okStreak: 0, failStreak: 4 }, 3), false);
    assert.equal(awaitsConfirmation({ state: 'down', okStreak: 1, failStreak: 0 }, 3), false);
    assert.equal(awaitsConfirmation({ state: 'unknown', okStreak: 0, failStreak: 0 }, 3), false);
    assert.equal(awaitsConfirmation({ state: 'up', okStreak: 0, failStreak: 1 }, 1), false, 'fall 1: the first failure is the last');
  });
});

describe('failuresToSettle: how long a failing run of probes can last', () => {
  it('with confirming probes, until an up server is down; without, one probe', () => {
    assert.equal(failuresToSettle(up, 3, true), 3);
    assert.equal(failuresToSettle({ state: 'up', okStreak: 0, failStreak: 2 }, 3, true), 1);
    assert.equal(failuresToSettle(up, 3, false), 1);
    assert.equal(failuresToSettle(undefined, 3, true), 1, 'no history: the first probe decides');
    assert.equal(failuresToSettle({ state: 'down', okStreak: 0, failStreak: 3 }, 3, true), 1);
  });
});

describe('priorHistory', () => {
  it('counts only the observations asked for, per server', () => {
    const o = [[obs(S[0]!, false), obs(S[0]!, false)], [obs(S[1]!, true)], []];
    const h = priorHistory(allUp(), policy(), o, (i) => [1, 0, 0][i]!, T0)!;
    assert.equal(h.servers[S[0]!]!.failStreak, 1);
    assert.deepEqual(h.servers[S[1]!], up);
  });

  it('is prev itself when nothing is counted', () => {
    const prev = allUp();
    assert.equal(priorHistory(prev, policy(), [[], [], []], () => 0, T0), prev);
    assert.equal(priorHistory(undefined, policy(), [[], [], []], () => 0, T0), undefined);
  });
});

describe('settledDecision with confirming probes', () => {
  it('a failed probe of the published top server no longer settles the record: its confirmation may count it down in this run', () => {
    const before = priorHistory(allUp(), policy(), [[obs(S[0]!, false)], [], []], (i) => (i === 0 ? 1 : 0), T0);
    const withConfirming = settledDecision(policy(), before, [obs(S[1]!, true), obs(S[2]!, true)], [S[0]!], [S[0]!], T0, undefined, () => 2);
    assert.equal(withConfirming, null);
    const oneProbePerRun = settledDecision(policy(), before, [obs(S[1]!, true), obs(S[2]!, true)], [S[0]!], [S[0]!], T0);
    assert.deepEqual(oneProbePerRun?.desired, [S[0]], 'without confirming probes one more failure cannot reach fall 3');
  });

  it('a healthy top server still settles the record while a failing server below awaits confirmation', () => {
    const before = priorHistory(allUp(), policy(), [[obs(S[0]!, true)], [obs(S[1]!, false)], []], (i) => (i === 1 ? 1 : 0), T0);
    const d = settledDecision(policy(), before, [obs(S[0]!, true)], [S[1]!, S[2]!], [S[0]!], T0, undefined, () => 3);
    assert.deepEqual(d?.desired, [S[0]]);
  });

  it('agrees with the final decision whatever the confirming probes turn out to be, cut short or not (exhaustive, 3 servers)', () => {
    // Each server's probes this run: a sequence of results. A settled decision must equal the final one
    // for every continuation: a pass at any point, failures until down, or the run stops probing early.
    const histories: ServerHistory[] = [
      up,
      { state: 'up', okStreak: 0, failStreak: 1 },
      { state: 'up', okStreak: 0, failStreak: 2 },
      { state: 'down', okStreak: 0, failStreak: 3 },
      { state: 'down', okStreak: 1, failStreak: 0 },
      { state: 'unknown', okStreak: 0, failStreak: 0 },
    ];
    const continuations = (h: ServerHistory, fall: number): boolean[][] => {
      const out: boolean[][] = [[true], [false]];
      if (h.state !== 'up') return out;
      for (let fails = 1; fails <= Math.max(1, fall - h.failStreak); fails++) {
        out.push([...Array(fails).fill(false), true], Array(fails).fill(false));
      }
      return out;
    };
    let checked = 0;
    let early = 0;
    for (const strategy of ['failover', 'all'] as const)
      for (const failback of ['auto', 'sticky'] as const)
        for (const fall of [1, 3]) {
          const p = policy({ strategy, failback, fall });
          for (let code = 0; code < histories.length ** 3; code++) {
            const hs = [0, 1, 2].map((i) => histories[Math.floor(code / histories.length ** i) % histories.length]!);
            const prev: RecordHistory = { servers: Object.fromEntries(S.map((a, i) => [a, hs[i]!])) };
            for (const current of [[S[0]!], [S[1]!], S, null]) {
              // Server 0 has its results in, server 1 and 2 are pending with their whole failing runs still possible.
              for (const first of [true, false]) {
                const known = [obs(S[0]!, first)];
                const fails = (a: string) => failuresToSettle(prev.servers[a], fall, true);
                const d = settledDecision(p, prev, known, [S[1]!, S[2]!], current, T0, undefined, fails);
                if (!d) continue;
                early++;
                for (const c1 of continuations(hs[1]!, fall))
                  for (const c2 of continuations(hs[2]!, fall)) {
                    const seqs = [[obs(S[0]!, first)], c1.map((h) => obs(S[1]!, h)), c2.map((h) => obs(S[2]!, h))];
                    const before = priorHistory(prev, p, seqs, (i) => seqs[i]!.length - 1, T0);
                    const final = decideRecord(p, before, seqs.map((s) => s[s.length - 1]!), current, T0);
                    checked++;
                    assert.equal(final.outcome, d.outcome, JSON.stringify({ strategy, failback, fall, hs, current, first, c1, c2 }));
                    assert.deepEqual(final.desired && [...final.desired].sort(), d.desired && [...d.desired].sort());
                  }
              }
            }
          }
        }
    assert.ok(early > 100 && checked > early, `settled early ${early} times, ${checked} continuations checked`);
  });
});
