import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import type { CurrentRecord, Provider, ProviderFactory, RecordRef, WriteRequest } from '../../providers/kit/types.js';
import { runOnce } from '../../src/app/run-once.js';
import type { Config, RecordConfig } from '../../src/config/types.js';
import type { ProbeResult, ProbeTarget } from '../../src/health/types.js';
import { emptyState } from '../../src/state/store.js';

const record: RecordConfig = {
  key: 'app.example.test/A', name: 'app.example.test', type: 'A', provider: 'p', ttl: 30, strategy: 'failover',
  fall: 3, rise: 2, failback: 'auto', onAllDown: 'keep',
  servers: ['192.0.2.1', '192.0.2.2'].map((address) => ({ address, check: { type: 'tcp', port: 1, timeoutMs: 100 } })),
};
const config = (factory: Partial<ProviderFactory> = {}): Config => ({
  source: 'test', baseDir: '/', providers: { p: { id: 'p', kind: 'memory', factory: factory as never, settings: {} } }, records: [record], notify: [],
});
const healthy = async (t: ProbeTarget[]): Promise<ProbeResult[]> => t.map(() => ({ healthy: true, latencyMs: 1 }));

function provider(read: () => Promise<CurrentRecord | null>) {
  const writes: WriteRequest[] = [];
  const p: Provider = { read: (_ref: RecordRef) => read(), write: async (_ref, req) => void writes.push(req) };
  return { p, writes };
}

describe('runOnce: records it must not touch', () => {
  it('the managed name is a CNAME: an error naming the target and the fix, nothing written (dry run too)', async () => {
    for (const dryRun of [false, true]) {
      const m = provider(async () => ({ values: [], cname: 'app.example.net' }));
      const { report } = await runOnce(config(), emptyState(), { providers: { p: m.p }, probe: healthy }, { dryRun });
      const r = report.records[0]!;
      assert.equal(r.outcome, 'error');
      assert.equal(r.changed, false);
      assert.equal(r.error, 'app.example.test is a CNAME to app.example.net, so dnsfail cannot manage its address records: set `name: app.example.net` (the record dnsfail keeps on a healthy server) and `alias: app.example.test` (the public name)');
      assert.equal(m.writes.length, 0);
      assert.equal(report.exitCode, 1);
    }
  });

  it('a failed read is never reported as a missing record', async () => {
    const m = provider(async () => {
      throw new ProviderError('fatal', 'zone not found');
    });
    const { report } = await runOnce(config(), emptyState(), { providers: { p: m.p }, probe: healthy }, { dryRun: false });
    const r = report.records[0]!;
    assert.equal(r.outcome, 'error');
    assert.doesNotMatch(r.reason, /missing/);
    assert.match(r.reason, /^nothing written: cannot read the record: zone not found/);
    assert.equal(r.desired, null);
    assert.equal(m.writes.length, 0);
  });

  it('the TTL that is in sync is the one the provider stores (a clamped minimum is not rewritten every run)', async () => {
    const m = provider(async () => ({ values: ['192.0.2.1'], ttl: 60 }));
    const clamped = config({ storedTtl: (ttl: number) => Math.max(60, ttl) });
    const { report } = await runOnce(clamped, emptyState(), { providers: { p: m.p }, probe: healthy }, { dryRun: false });
    assert.equal(report.records[0]!.outcome, 'in-sync');
    assert.deepEqual(report.records[0]!.ttl, { wanted: 60, current: 60 });
    const plain = await runOnce(config(), emptyState(), { providers: { p: m.p }, probe: healthy }, { dryRun: false });
    assert.equal(plain.report.records[0]!.outcome, 'ttl');
    assert.deepEqual(m.writes, [{ values: ['192.0.2.1'], ttl: 30, previous: { values: ['192.0.2.1'], ttl: 60 } }]);
  });
});

describe('runOnce: a probe that failed for lack of this machine\'s resources', () => {
  const emfile = async (t: ProbeTarget[]): Promise<ProbeResult[]> => t.map((x) => (x.address === '192.0.2.1' ? { healthy: false, latencyMs: 1, error: 'connect EMFILE 192.0.2.1:80' } : { healthy: true, latencyMs: 1 }));
  const prev = { version: 1 as const, records: { 'app.example.test/A': { servers: { '192.0.2.1': { state: 'up' as const, okStreak: 0, failStreak: 2 }, '192.0.2.2': { state: 'up' as const, okStreak: 5, failStreak: 0 } }, published: ['192.0.2.1'] } } };

  it('is not counted against the server: no failover, its history unchanged, and the run says why', async () => {
    const m = provider(async () => ({ values: ['192.0.2.1'], ttl: 30 }));
    const { report, state } = await runOnce({ ...config(), records: [record] }, prev, { providers: { p: m.p }, probe: emfile }, { dryRun: false });
    const r = report.records[0]!;
    assert.equal(r.outcome, 'error');
    assert.match(r.error!, /this machine could not probe 192\.0\.2\.1 \(connect EMFILE 192\.0\.2\.1:80\), which says nothing about the server: raise the open-file limit/);
    assert.equal(m.writes.length, 0);
    assert.equal(state.records['app.example.test/A']!.servers['192.0.2.1']!.failStreak, 2, 'fall 3 not reached by a local failure');
  });
});
