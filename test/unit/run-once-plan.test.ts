import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CurrentRecord, ItemResult, Provider, RecordRef, WriteItem } from '../../providers/kit/types.js';
import { runOnce } from '../../src/app/run-once.js';
import type { Config, RecordConfig } from '../../src/config/types.js';
import type { ProbeResult, ProbeTarget } from '../../src/health/types.js';
import { emptyState, type StateFile } from '../../src/state/store.js';

/** runOnce's plan: what a dry run shows is what a real run sends, record for record. */

const UP = '192.0.2.1';
const DOWN = '192.0.2.2';
const record = (name: string, over: Partial<RecordConfig> = {}): RecordConfig => ({
  key: `${name}/A`, name, type: 'A', provider: 'p', ttl: 30, strategy: 'failover', fall: 1, rise: 1, failback: 'auto', onAllDown: 'keep',
  servers: [DOWN, UP].map((address) => ({ address, check: { type: 'tcp', port: 1, timeoutMs: 100 } })),
  ...over,
});
const config = (records: RecordConfig[]): Config => ({
  source: 'test', baseDir: '/', providers: { p: { id: 'p', kind: 'memory', factory: {} as never, settings: {} } }, records, notify: [],
});
const probe = async (t: ProbeTarget[]): Promise<ProbeResult[]> => t.map((x) => (x.address === UP ? { healthy: true, latencyMs: 1 } : { healthy: false, latencyMs: 1, error: 'connect ECONNREFUSED' }));

/** A readable in-memory zone that logs every item it is asked to write. */
function memory(initial: Record<string, CurrentRecord>) {
  const store = new Map(Object.entries(initial));
  const sent: WriteItem[] = [];
  const p: Provider = {
    read: async (ref: RecordRef) => store.get(ref.name) ?? null,
    write: async (ref, req) => void sent.push({ ref, req }),
    async writeMany(items: WriteItem[]): Promise<ItemResult[]> {
      sent.push(...items);
      for (const it of items) store.set(it.ref.name, { values: it.req.values, ttl: it.req.ttl });
      return items.map(() => ({ ok: true }));
    },
  };
  return { p, sent };
}

describe('runOnce: the plan', () => {
  it('a dry run shows, record for record, the writes a real run then sends: create, replace, ttl and none', async () => {
    const records = [record('new.example.test'), record('moved.example.test'), record('ttl.example.test'), record('same.example.test')];
    const zone = {
      'moved.example.test': { values: [DOWN], ttl: 30 },
      'ttl.example.test': { values: [UP], ttl: 3600 },
      'same.example.test': { values: [UP], ttl: 30 },
    };
    const dry = memory(zone);
    const planned = await runOnce(config(records), emptyState(), { providers: { p: dry.p }, probe }, { dryRun: true });
    assert.deepEqual(dry.sent, [], 'a dry run sends nothing');
    const shown = planned.report.records.map((r) => ({ name: r.name, change: r.change, current: r.current, desired: r.desired }));
    assert.deepEqual(shown, [
      { name: 'new.example.test', change: 'create', current: null, desired: [UP] },
      { name: 'moved.example.test', change: 'replace', current: [DOWN], desired: [UP] },
      { name: 'ttl.example.test', change: 'ttl', current: [UP], desired: [UP] },
      { name: 'same.example.test', change: 'none', current: [UP], desired: [UP] },
    ]);

    const real = memory(zone);
    const applied = await runOnce(config(records), emptyState(), { providers: { p: real.p }, probe }, { dryRun: false });
    assert.deepEqual(applied.report.records.map((r) => ({ name: r.name, change: r.change, current: r.current, desired: r.desired })), shown, 'the same plan');
    const expected = planned.report.records.filter((r) => r.change !== 'none').map((r) => ({ name: r.name, values: r.desired, ttl: 30 }));
    assert.deepEqual(real.sent.map((w) => ({ name: w.ref.name, values: w.req.values, ttl: w.req.ttl })).sort((a, b) => a.name.localeCompare(b.name)), expected.sort((a, b) => a.name.localeCompare(b.name)));
    assert.deepEqual(applied.report.records.map((r) => r.written), [true, true, true, false]);
  });

  it('a TTL correction of the published onAllDown fallback is not counted as a failover', async () => {
    const r = record('app.example.test', { onAllDown: '192.0.2.9', servers: [{ address: DOWN, check: { type: 'tcp', port: 1, timeoutMs: 100 } }] });
    const state: StateFile = { ...emptyState(), records: { 'app.example.test/A': { servers: { [DOWN]: { state: 'down', okStreak: 0, failStreak: 3 } }, published: ['192.0.2.9'], failovers: 2 } } };
    const m = memory({ 'app.example.test': { values: ['192.0.2.9'], ttl: 3600 } });
    const run = await runOnce(config([r]), state, { providers: { p: m.p }, probe }, { dryRun: false });
    const rec = run.report.records[0]!;
    assert.deepEqual([rec.outcome, rec.change, rec.written], ['fallback', 'ttl', true]);
    assert.equal(run.state.records['app.example.test/A']!.failovers, 2);
  });
});
