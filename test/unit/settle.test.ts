import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRecord } from '../../src/core/select.js';
import { settledDecision } from '../../src/core/settle.js';
import type { Observation, RecordHistory, RecordPolicy } from '../../src/core/types.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const S = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'];
const policy = (over: Partial<RecordPolicy> = {}): RecordPolicy => ({
  name: 'app.example.test', type: 'A', strategy: 'failover', fall: 3, rise: 2, failback: 'auto', onAllDown: 'keep',
  servers: S.map((address) => ({ address })), ...over,
});
const ok = (address: string, healthy = true): Observation => ({ address, healthy, latencyMs: 1 });
const history = (states: Array<'up' | 'down' | 'unknown'>): RecordHistory => ({
  servers: Object.fromEntries(states.map((state, i) => [S[i]!, { state, okStreak: state === 'up' ? 5 : 0, failStreak: state === 'down' ? 5 : 0 }])),
});

describe('settledDecision: decide before slow probes finish, only when they cannot matter', () => {
  it('a healthy top server settles the record while the others are still pending', () => {
    const d = settledDecision(policy(), history(['up', 'up', 'up', 'up']), [ok(S[0]!)], S.slice(1), [S[0]!], T0);
    assert.deepEqual(d?.desired, [S[0]]);
  });

  it('a failing top server (fall reached) waits for the next server whose probe decides', () => {
    const h = history(['up', 'up', 'up', 'up']);
    h.servers[S[0]!]!.failStreak = 2;
    h.servers[S[1]!]!.failStreak = 2;
    assert.equal(settledDecision(policy(), h, [ok(S[0]!, false)], S.slice(1), [S[0]!], T0), null);
    const d = settledDecision(policy(), h, [ok(S[0]!, false), ok(S[1]!)], S.slice(2), [S[0]!], T0);
    assert.deepEqual(d?.desired, [S[1]]);
  });

  it('one failed probe under fall 3 keeps the top server without waiting', () => {
    const d = settledDecision(policy(), history(['up', 'up', 'up', 'up']), [ok(S[0]!, false)], S.slice(1), [S[0]!], T0);
    assert.deepEqual(d?.desired, [S[0]]);
  });

  it('strategy all waits for every probe that could change the set', () => {
    assert.equal(settledDecision(policy({ strategy: 'all', fall: 1 }), history(['up', 'up', 'up', 'up']), [ok(S[0]!)], S.slice(1), null, T0), null);
  });

  it('hysteresis settles early too: published up servers cannot fall on one pending failure under fall 3', () => {
    const d = settledDecision(policy({ strategy: 'all' }), history(['up', 'up', 'up', 'up']), [ok(S[0]!)], S.slice(1), S, T0);
    assert.deepEqual(d?.desired, S);
  });

  it('a server the record lacks is added only once its own probe passed, so a missing record waits for the probes', () => {
    assert.equal(settledDecision(policy({ strategy: 'all' }), history(['up', 'up', 'up', 'up']), [ok(S[0]!)], S.slice(1), null, T0), null);
  });

  it('agrees with the full decision whatever the pending probes turn out to be (exhaustive over 4 servers)', () => {
    const states: Array<'up' | 'down' | 'unknown'> = ['up', 'down', 'unknown'];
    let settledEarly = 0;
    for (const strategy of ['failover', 'all'] as const)
      for (const failback of ['auto', 'sticky'] as const)
        for (let h = 0; h < 81; h++) {
          const hist = history([0, 1, 2, 3].map((i) => states[Math.floor(h / 3 ** i) % 3]!));
          for (let known = 0; known <= 4; known++)
            for (let bits = 0; bits < 16; bits++) {
              const obs = S.map((a, i) => ok(a, ((bits >> i) & 1) === 1));
              for (const current of [null, [S[1]!], [S[3]!]]) {
                const p = policy({ strategy, failback });
                const early = settledDecision(p, hist, obs.slice(0, known), S.slice(known), current, T0);
                if (!early) continue;
                settledEarly++;
                const full = decideRecord(p, hist, obs, current, T0);
                assert.deepEqual([...(early.desired ?? [])].sort(), [...(full.desired ?? [])].sort(), `${strategy}/${failback} h=${h} known=${known} bits=${bits}`);
                assert.equal(early.outcome, full.outcome);
              }
            }
        }
    assert.ok(settledEarly > 1000, `settled early in ${settledEarly} cases`);
  });
});
