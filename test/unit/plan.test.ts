import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeKind, planRecord, refusedPlan, type PlanTarget } from '../../src/core/plan.js';
import { decideRecord } from '../../src/core/select.js';
import type { RecordHistory, RecordPolicy } from '../../src/core/types.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const target: PlanTarget = { name: 'app.example.test', type: 'A', provider: 'p', ttl: 30 };
const decided = (desired: string[] | null, changed = true) => ({ desired, changed, reason: 'why' });

describe('changeKind: what a decision does to the record it holds', () => {
  it('create when the record holds no address (missing, unknown or empty)', () => {
    assert.equal(changeKind(decided(['192.0.2.1']), null), 'create');
    assert.equal(changeKind(decided(['192.0.2.1']), []), 'create');
  });

  it('replace when it holds other addresses, ttl when it holds the same ones in another order or spelling', () => {
    assert.equal(changeKind(decided(['192.0.2.2']), ['192.0.2.1']), 'replace');
    assert.equal(changeKind(decided(['192.0.2.1', '192.0.2.2']), ['192.0.2.1']), 'replace');
    assert.equal(changeKind(decided(['192.0.2.2', '192.0.2.1']), ['192.0.2.1', '192.0.2.2']), 'ttl');
    assert.equal(changeKind(decided(['2001:db8::1']), ['2001:0db8:0:0::1']), 'ttl');
  });

  it('none when the decision changes nothing or has nothing to publish', () => {
    assert.equal(changeKind(decided(['192.0.2.1'], false), ['192.0.2.1']), 'none');
    assert.equal(changeKind(decided(null), null), 'none');
  });
});

describe('planRecord: the write a plan sends is the one it shows', () => {
  it('carries the desired values, the config\'s TTL and what the read returned (for compare-and-set)', () => {
    const read = { values: ['192.0.2.1'], ttl: 3600 };
    const plan = planRecord(target, decided(['192.0.2.2']), read, { wanted: 60, current: 3600 });
    assert.deepEqual(plan, {
      name: 'app.example.test', type: 'A', provider: 'p', current: ['192.0.2.1'], desired: ['192.0.2.2'], change: 'replace', reason: 'why',
      ttl: { wanted: 60, current: 3600 },
      write: { ref: { name: 'app.example.test', type: 'A' }, req: { values: ['192.0.2.2'], ttl: 30, previous: read } },
    });
  });

  it('no write when nothing changes', () => {
    const plan = planRecord(target, decided(['192.0.2.1'], false), { values: ['192.0.2.1'] }, { wanted: 30 });
    assert.equal(plan.change, 'none');
    assert.equal(plan.write, null);
  });

  it('a fallback already published with another TTL is a TTL correction, not a replace', () => {
    const policy: RecordPolicy = { name: target.name, type: 'A', strategy: 'failover', fall: 1, rise: 1, failback: 'auto', onAllDown: '192.0.2.9', servers: [{ address: '192.0.2.1' }] };
    const prev: RecordHistory = { servers: { '192.0.2.1': { state: 'down', okStreak: 0, failStreak: 4 } } };
    const d = decideRecord(policy, prev, [{ address: '192.0.2.1', healthy: false, latencyMs: 1 }], ['192.0.2.9'], T0, { ttl: { wanted: 30, current: 3600 } });
    assert.equal(d.outcome, 'fallback');
    const plan = planRecord(target, d, { values: ['192.0.2.9'], ttl: 3600 }, { wanted: 30, current: 3600 });
    assert.equal(plan.change, 'ttl');
    assert.deepEqual(plan.write?.req.values, ['192.0.2.9']);
  });
});

describe('refusedPlan: a record left alone', () => {
  it('writes nothing, publishes nothing, and says why', () => {
    const plan = refusedPlan(target, ['192.0.2.1'], { wanted: 30 }, 'cannot read the record: zone not found');
    assert.deepEqual(
      [plan.change, plan.desired, plan.write, plan.current, plan.reason],
      ['none', null, null, ['192.0.2.1'], 'nothing written: cannot read the record: zone not found'],
    );
  });
});
