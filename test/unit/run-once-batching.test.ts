import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CurrentRecord, ItemResult, Provider, RecordRef, WriteItem } from '../../providers/kit/types.js';
import { runOnce } from '../../src/app/run-once.js';
import type { Config, RecordConfig } from '../../src/config/types.js';
import type { ProbeResult, ProbeTarget } from '../../src/health/types.js';
import { emptyState } from '../../src/state/store.js';

const record = (i: number, servers: string[]): RecordConfig => ({
  key: `r${i}.example.test/A`, name: `r${i}.example.test`, type: 'A', provider: 'p', ttl: 60, strategy: 'failover',
  fall: 3, rise: 2, failback: 'auto', onAllDown: 'keep',
  servers: servers.map((address) => ({ address, check: { type: 'tcp', port: 1, timeoutMs: 100 } })),
});
const config = (records: RecordConfig[]): Config => ({
  source: 'test', baseDir: '/', providers: { p: { id: 'p', kind: 'memory', factory: {} as never, settings: {} } }, records, notify: [],
});

/** An in-memory provider with batch forms that records every call. */
function memoryProvider() {
  const store = new Map<string, string[]>();
  const calls: string[] = [];
  const writes: Array<{ at: number; n: number }> = [];
  const p: Provider = {
    async read(ref: RecordRef) { calls.push('read'); const v = store.get(ref.name); return v ? { values: v } : null; },
    async write(ref, req) { calls.push('write'); store.set(ref.name, req.values); },
    async readMany(refs: RecordRef[]): Promise<Array<CurrentRecord | null>> { calls.push('readMany'); return refs.map((r) => (store.get(r.name) ? { values: store.get(r.name)! } : null)); },
    async writeMany(items: WriteItem[]): Promise<ItemResult[]> {
      calls.push('writeMany');
      writes.push({ at: performance.now(), n: items.length });
      for (const it of items) store.set(it.ref.name, it.req.values);
      return items.map(() => ({ ok: true }));
    },
  };
  return { p, store, calls, writes };
}

describe('runOnce: batching', () => {
  it('reads and writes 20 records with one readMany and one writeMany', async () => {
    const m = memoryProvider();
    const records = Array.from({ length: 20 }, (_, i) => record(i, ['192.0.2.1', '192.0.2.2']));
    const probe = async (t: ProbeTarget[]): Promise<ProbeResult[]> => t.map(() => ({ healthy: true, latencyMs: 1 }));
    const { report } = await runOnce(config(records), emptyState(), { providers: { p: m.p }, probe }, { dryRun: false });
    assert.ok(report.records.every((r) => r.written));
    assert.deepEqual(m.calls, ['readMany', 'writeMany']);
    assert.equal(m.writes[0]!.n, 20);
    assert.equal(m.store.size, 20);
  });

});
