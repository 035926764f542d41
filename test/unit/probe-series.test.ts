import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startProbeSeries } from '../../src/health/run-checks.js';
import type { ProbeTarget } from '../../src/health/types.js';
import { startTcpTarget } from '../helpers/targets.js';

describe('startProbeSeries: confirming probes of one target', () => {
  it('the n-th probe starts gapMs after the one before it ended, and identical targets share it', async () => {
    const tcp = await startTcpTarget({ host: '127.0.0.2' });
    try {
      const target: ProbeTarget = { address: '127.0.0.2', check: { type: 'tcp', port: tcp.port, timeoutMs: 1000 }, recordName: 'a.example.test' };
      const [a, b] = startProbeSeries([target, { ...target, recordName: 'b.example.test' }], { concurrency: 4 });
      const first = await a!.nth(0, 0);
      const second = a!.nth(1, 30);
      assert.equal(b!.nth(1, 30), second, 'the same probe, not a second one');
      const { startedAt } = await second;
      assert.ok(startedAt >= first.startedAt + first.latencyMs + 29, `started ${startedAt - first.startedAt - first.latencyMs} ms after the first ended`);
      assert.equal(tcp.connections, 2);
    } finally {
      await tcp.close();
    }
  });

  it('confirming probes queue behind the concurrency limit like first probes', async () => {
    const tcp = await startTcpTarget({ host: '127.0.0.2' });
    try {
      const targets: ProbeTarget[] = [1, 2, 3].map((i) => ({ address: `127.0.0.${i + 1}`, check: { type: 'tcp', port: tcp.port, timeoutMs: 300 }, recordName: 'x' }));
      const series = startProbeSeries(targets, { concurrency: 1 });
      const results = await Promise.all([series[0]!.nth(1, 0), series[1]!.nth(0, 0), series[2]!.nth(0, 0)]);
      assert.equal(results.length, 3);
      const starts = results.map((r) => r.startedAt);
      assert.ok(starts[0]! > starts[2]!, 'the confirming probe was queued after the first probes already waiting');
    } finally {
      await tcp.close();
    }
  });
});
