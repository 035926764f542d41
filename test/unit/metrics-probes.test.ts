import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunReport } from '../../src/app/report.js';
import { renderMetrics } from '../../src/metrics/prometheus.js';

const server = (address: string, probes: number, probeGapsMs: number[]) => ({
  address, state: 'up' as const, healthy: probes === 1, latencyMs: 1, okStreak: 0, failStreak: probes, probes, probeGapsMs,
});
const report: RunReport = {
  dryRun: false, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 4100, warnings: [], events: [], exitCode: 0,
  records: [{
    name: 'app.example.test', type: 'A', provider: 'p', current: ['192.0.2.2'], desired: ['192.0.2.2'], change: 'none', changed: false, written: false,
    outcome: 'in-sync', reason: 'in sync', ttl: { wanted: 60 },
    servers: [server('192.0.2.1', 3, [2004, 2101]), server('192.0.2.2', 1, [])],
  }],
};

describe('metrics: confirming probes', () => {
  it('exports the probes of each server in the last run and the longest gap between them', () => {
    const text = renderMetrics({ records: [], history: {}, report, finishedAt: 1 });
    assert.match(text, /^dnsfail_server_probes_last_run\{record="app\.example\.test",type="A",address="192\.0\.2\.1",label=""\} 3$/m);
    assert.match(text, /^dnsfail_server_probes_last_run\{record="app\.example\.test",type="A",address="192\.0\.2\.2",label=""\} 1$/m);
    assert.match(text, /^dnsfail_server_probe_gap_seconds\{record="app\.example\.test",type="A",address="192\.0\.2\.1",label=""\} 2\.101$/m);
    assert.doesNotMatch(text, /dnsfail_server_probe_gap_seconds\{[^}]*192\.0\.2\.2/, 'one probe: no gap');
  });
});
