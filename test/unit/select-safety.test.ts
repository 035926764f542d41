import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRecord } from '../../src/core/select.js';
import type { Observation, RecordHistory, RecordPolicy, ServerHistory, ServerState } from '../../src/core/types.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const A = '192.0.2.10';
const B = '192.0.2.20';
const C = '192.0.2.30';
const FOREIGN = '203.0.113.9';
const SERVERS = [A, B, C];

const policy = (over: Partial<RecordPolicy> = {}): RecordPolicy => ({
  name: 'app.example.test', type: 'A', strategy: 'failover', fall: 3, rise: 2, failback: 'auto', onAllDown: 'keep',
  servers: [{ address: A, label: 'primary' }, { address: B, label: 'backup' }, { address: C }], ...over,
});
/** "+" passed, "-" failed, "." not probed this run. */
const probes = (pattern: string): Observation[] =>
  SERVERS.flatMap((address, i) => (pattern[i] === '.' ? [] : [{ address, healthy: pattern[i] === '+', latencyMs: 1, ...(pattern[i] === '-' ? { error: 'connect ECONNREFUSED' } : {}) }]));
const hist = (entries: Array<[ServerState, number, number]>): RecordHistory => ({
  servers: Object.fromEntries(entries.map(([state, okStreak, failStreak], i) => [SERVERS[i]!, { state, okStreak, failStreak } satisfies ServerHistory])),
});
const allUp = () => hist([['up', 5, 0], ['up', 5, 0], ['up', 5, 0]]);

describe('decideRecord: never moves the record onto a server whose latest probe failed', () => {
  it('the field report: another checker moved the record to the backup; one failure of the primary does not bring it back', () => {
    const d = decideRecord(policy(), allUp(), probes('-++'), [B], T0);
    assert.equal(d.changed, false);
    assert.deepEqual(d.desired, [B]);
    assert.equal(d.servers[0]!.state, 'up', 'fall still counts the primary up');
    assert.doesNotMatch(d.reason, /up again/);
  });

  it('the next run, still failing: stays on the backup', () => {
    const first = decideRecord(policy(), allUp(), probes('-++'), [B], T0);
    const second = decideRecord(policy(), first.next, probes('-++'), [B], T0);
    assert.equal(second.changed, false);
  });

  it('first publication skips a primary whose latest probe failed', () => {
    const d = decideRecord(policy(), allUp(), probes('-++'), null, T0);
    assert.deepEqual(d.desired, [B]);
  });

  it('a hand edit to a foreign address is replaced by a server that passed, not by the failing primary', () => {
    const d = decideRecord(policy(), allUp(), probes('-++'), [FOREIGN], T0);
    assert.deepEqual(d.desired, [B]);
  });

  it('fall still delays moving away: the published primary stays on one failure', () => {
    const d = decideRecord(policy(), allUp(), probes('-++'), [A], T0);
    assert.deepEqual(d.desired, [A]);
    assert.equal(d.changed, false);
  });

  it('a server not probed this run counts by its last probe', () => {
    const h = hist([['up', 0, 1], ['up', 5, 0], ['up', 5, 0]]);
    assert.deepEqual(decideRecord(policy(), h, probes('.++'), [B], T0).desired, [B]);
    const passed = hist([['up', 3, 0], ['up', 5, 0], ['up', 5, 0]]);
    assert.deepEqual(decideRecord(policy(), passed, probes('.++'), [B], T0).desired, [A]);
  });

  it('failback needs rise after a real outage, and then a passing latest probe', () => {
    const down = hist([['down', 0, 4], ['up', 5, 0], ['up', 5, 0]]);
    const once = decideRecord(policy(), down, probes('+++'), [B], T0);
    assert.equal(once.changed, false, 'rise 2 not reached');
    const twice = decideRecord(policy(), once.next, probes('+++'), [B], T0);
    assert.deepEqual(twice.desired, [A]);
    assert.match(twice.reason, /192\.0\.2\.10 \(primary\) is up again \(failback: auto\)/);
  });

  it('says "up again" only for a server this history counted down', () => {
    const d = decideRecord(policy(), allUp(), probes('+++'), [B], T0);
    assert.deepEqual(d.desired, [A]);
    assert.doesNotMatch(d.reason, /again/);
    assert.match(d.reason, /192\.0\.2\.10 \(primary\) is up and first in the queue; the record held 192\.0\.2\.20 \(backup\)/);
  });

  it('no server that the record lacks passed its latest probe: waits, writes nothing, says so', () => {
    const d = decideRecord(policy(), allUp(), probes('---'), [FOREIGN], T0);
    assert.equal(d.outcome, 'waiting');
    assert.equal(d.changed, false);
    assert.deepEqual(d.desired, [FOREIGN]);
    assert.match(d.reason, /no server that is up passed its latest probe/);
    const missing = decideRecord(policy(), allUp(), probes('---'), null, T0);
    assert.equal(missing.outcome, 'waiting');
    assert.equal(missing.desired, null);
  });

  it('strategy all never adds a server whose latest probe failed, and keeps a published one until fall', () => {
    assert.deepEqual(decideRecord(policy({ strategy: 'all' }), allUp(), probes('-++'), null, T0).desired, [B, C]);
    assert.deepEqual(decideRecord(policy({ strategy: 'all' }), allUp(), probes('-++'), [B, C], T0).changed, false);
    assert.deepEqual(decideRecord(policy({ strategy: 'all' }), allUp(), probes('-++'), [A, B, C], T0).changed, false);
  });

  it('strategy all with max: a server pushed out by max is said to be up, not down', () => {
    const d = decideRecord(policy({ strategy: 'all', max: 2 }), hist([['down', 0, 5], ['up', 5, 0], ['up', 5, 0]]), probes('+++'), [B, C], T0);
    const again = decideRecord(policy({ strategy: 'all', max: 2, rise: 1 }), d.next, probes('+++'), [B, C], T0);
    assert.deepEqual(again.desired, [A, B]);
    assert.match(again.reason, /192\.0\.2\.30 is up but max: 2 is reached/);
    assert.doesNotMatch(again.reason, /is down/);
  });

  // The whole table: every history × latest result × current value. Whatever else happens, an address
  // the record did not hold is published only when its latest probe passed.
  it('over every history, probe result and current value, an added address always passed its latest probe', () => {
    const histories: Array<[ServerState, number, number]> = [['unknown', 0, 0], ['up', 4, 0], ['up', 0, 1], ['up', 0, 2], ['down', 0, 5], ['down', 1, 0]];
    const currents = [null, [A], [B], [C], [FOREIGN], [A, B], [B, C]];
    let checked = 0;
    for (const strategy of ['failover', 'all'] as const)
      for (const failback of ['auto', 'sticky'] as const)
        for (let h = 0; h < histories.length ** 3; h++)
          for (let r = 0; r < 27; r++)
            for (const current of currents) {
              const prev = hist([0, 1, 2].map((i) => histories[Math.floor(h / histories.length ** i) % histories.length]!));
              const pattern = [0, 1, 2].map((i) => '+-.'[Math.floor(r / 3 ** i) % 3]).join('');
              const d = decideRecord(policy({ strategy, failback }), prev, probes(pattern), current, T0);
              for (const address of d.desired ?? []) {
                if (current?.includes(address)) continue;
                const latest = d.next.servers[address]!;
                assert.ok(latest.okStreak > 0, `${strategy}/${failback} ${JSON.stringify(prev.servers)} probes ${pattern} current ${current}: added ${address} whose latest probe failed`);
                checked++;
              }
              if (/up again/.test(d.reason)) {
                const again = d.servers.filter((s) => d.reason.includes(`${s.address} (`) || d.reason.includes(`${s.address} is`));
                assert.ok(again.some((s) => prev.servers[s.address]?.state === 'down'), `"up again" for a server never down: ${d.reason}`);
              }
            }
    assert.ok(checked > 1000, `checked ${checked} additions`);
  });
});

describe('decideRecord: the TTL is part of being in sync', () => {
  it('right addresses, another TTL: a TTL change in place', () => {
    const d = decideRecord(policy(), allUp(), probes('+++'), [A], T0, { ttl: { current: 3600, wanted: 60 } });
    assert.equal(d.outcome, 'ttl');
    assert.equal(d.changed, true);
    assert.deepEqual(d.desired, [A]);
    assert.match(d.reason, /TTL is 3600s, the config says 60s/);
  });

  it('the same TTL, or a TTL the provider does not tell: in sync', () => {
    assert.equal(decideRecord(policy(), allUp(), probes('+++'), [A], T0, { ttl: { current: 60, wanted: 60 } }).outcome, 'in-sync');
    assert.equal(decideRecord(policy(), allUp(), probes('+++'), [A], T0, { ttl: { wanted: 60 } }).outcome, 'in-sync');
  });

  it('a move is a change, whatever the TTL', () => {
    assert.equal(decideRecord(policy(), allUp(), probes('+++'), [B], T0, { ttl: { current: 3600, wanted: 60 } }).outcome, 'change');
  });

  it('all down with keep leaves the TTL too; a published fallback gets its TTL corrected', () => {
    const down = hist([['down', 0, 5], ['down', 0, 5], ['down', 0, 5]]);
    assert.equal(decideRecord(policy(), down, probes('---'), [A], T0, { ttl: { current: 3600, wanted: 60 } }).changed, false);
    const fb = decideRecord(policy({ onAllDown: '198.51.100.1' }), down, probes('---'), ['198.51.100.1'], T0, { ttl: { current: 3600, wanted: 60 } });
    assert.equal(fb.changed, true);
    assert.match(fb.reason, /TTL is 3600s/);
  });
});
