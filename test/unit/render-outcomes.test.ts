import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordReport, RunReport } from '../../src/app/report.js';
import { makeChalk } from '../../src/cli/color.js';
import { renderRun } from '../../src/cli/render.js';

const c = makeChalk({ noColor: true, isTTY: false, env: {} });
const record = (over: Partial<RecordReport>): RecordReport => ({
  name: 'app.example.test', type: 'A', provider: 'local', current: ['192.0.2.10'], desired: ['192.0.2.10'], change: 'none', changed: false, written: false,
  outcome: 'in-sync', reason: 'in sync', servers: [], ttl: { wanted: 60 }, ...over,
});
const run = (r: RecordReport, dryRun = false): RunReport => ({ dryRun, startedAt: '', durationMs: 1, records: [r], warnings: [], events: [], exitCode: 0 });

describe('renderRun: the outcomes a cron run must not keep quiet', () => {
  it('in sync prints nothing (the cron case)', () => {
    assert.deepEqual(renderRun(run(record({})), { c }, false), []);
  });

  it('waiting is said on stderr, with the record it keeps', () => {
    const lines = renderRun(run(record({ outcome: 'waiting', current: ['203.0.113.9'], desired: ['203.0.113.9'], reason: 'no server that is up passed its latest probe (…)' })), { c }, false);
    assert.deepEqual(lines, [{ stream: 'err', text: 'waiting app.example.test A: no server that is up passed its latest probe (…); holds 203.0.113.9' }]);
  });

  it('a TTL change says so, written or planned', () => {
    const ttl = record({ outcome: 'ttl', change: 'ttl', changed: true, ttl: { wanted: 60, current: 3600 } });
    assert.deepEqual(renderRun(run({ ...ttl, written: true }), { c }, false)[0], { stream: 'out', text: 'corrected the TTL of app.example.test A: 3600s → 60s (holds 192.0.2.10)' });
    assert.equal(renderRun(run(ttl, true), { c }, false)[0]!.text, 'would correct the TTL of app.example.test A: 3600s → 60s (holds 192.0.2.10)');
  });
});
