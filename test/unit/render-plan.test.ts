import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordReport, RunReport } from '../../src/app/report.js';
import { makeChalk } from '../../src/cli/color.js';
import { jobSummary, stepOutputs } from '../../src/cli/github.js';
import { renderRun, reportToJson } from '../../src/cli/render.js';

/** Every output reads the plan's change kind: dry-run lines, --json, the GitHub summary and step outputs. */

const c = makeChalk({ noColor: true, isTTY: false, env: {} });
const record = (over: Partial<RecordReport>): RecordReport => ({
  name: 'app.example.test', type: 'A', provider: 'local', current: null, desired: ['192.0.2.10'], change: 'create', changed: true, written: false,
  outcome: 'change', reason: 'record is missing; publishing 192.0.2.10', servers: [], ttl: { wanted: 60 }, ...over,
});
const run = (records: RecordReport[], dryRun: boolean): RunReport => ({ dryRun, startedAt: '', durationMs: 1, records, warnings: [], events: [], exitCode: 0 });

describe('outputs of the plan', () => {
  it('--json says the change kind of every record, next to the fields it always had', () => {
    const json = JSON.parse(reportToJson(run([record({}), record({ name: 'b.example.test', change: 'none', changed: false, outcome: 'in-sync' })], true)));
    assert.deepEqual(json.records.map((r: { change: string; changed: boolean }) => [r.change, r.changed]), [['create', true], ['none', false]]);
  });

  it('the GitHub summary of a dry run says what each record would get; a real run says what was written', () => {
    const records = [
      record({}),
      record({ name: 'moved.example.test', current: ['192.0.2.9'], change: 'replace' }),
      record({ name: 'ttl.example.test', current: ['192.0.2.10'], change: 'ttl', outcome: 'ttl', ttl: { wanted: 60, current: 3600 } }),
      record({ name: 'same.example.test', current: ['192.0.2.10'], change: 'none', changed: false, outcome: 'in-sync' }),
    ];
    const dry = jobSummary(run(records, true));
    assert.match(dry, /\| app\.example\.test \| A \| \(missing\) \| \(missing\) \| change \(would create\) \|/);
    assert.match(dry, /\| moved\.example\.test \| A \| 192\.0\.2\.9 \| 192\.0\.2\.9 \| change \(would replace\) \|/);
    assert.match(dry, /\| ttl\.example\.test \| A \| 192\.0\.2\.10 \| 192\.0\.2\.10 \| ttl \(would correct the TTL\) \|/);
    assert.match(dry, /\| same\.example\.test \| A \| 192\.0\.2\.10 \| 192\.0\.2\.10 \| in-sync \|/);
    const real = jobSummary(run([{ ...records[0]!, written: true }], false));
    assert.match(real, /\| app\.example\.test \| A \| \(missing\) \| 192\.0\.2\.10 \| change \(written\) \|/);
  });

  it('step outputs carry the change kind', () => {
    const out = stepOutputs(run([record({})], true));
    const records = JSON.parse(out.split('\n').at(-3)!);
    assert.equal(records[0].change, 'create');
  });

  it('a dry run prints a TTL correction as one, whatever the outcome (the onAllDown fallback already published)', () => {
    const fallback = record({ current: ['192.0.2.9'], desired: ['192.0.2.9'], change: 'ttl', outcome: 'fallback', ttl: { wanted: 60, current: 3600 } });
    assert.equal(renderRun(run([fallback], true), { c }, false)[0]!.text, 'would correct the TTL of app.example.test A: 3600s → 60s (holds 192.0.2.9)');
  });
});
