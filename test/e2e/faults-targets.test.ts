import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startFaultTargets, type FaultTarget } from '../helpers/fault-targets.js';
import { findTool } from '../helpers/require-tool.js';

const TIMEOUT_MS = 1500;
const MAX_BODY_BYTES = 16 * 1024;
const ALIAS = 'www.example.test';

interface ServerJson {
  address: string;
  label?: string;
  state: string;
  healthy: boolean | null;
  latencyMs: number | null;
  error?: string;
}

function config(zoneFile: string, targets: FaultTarget[]): string {
  const servers = targets.map((t) => `      - { address: ${t.host}, label: ${JSON.stringify(t.fault)}, check: ${t.check} }`);
  return `providers:
  local: { type: zonefile, file: ${JSON.stringify(zoneFile)}, zone: example.test }
records:
  - name: app.example.test
    alias: ${ALIAS}
    fall: 1
    rise: 1
    check: { type: http, path: /health, timeout: ${TIMEOUT_MS}ms, expectStatus: "200-299", expectBody: ok, maxBodyBytes: ${MAX_BODY_BYTES} }
    servers:
${servers.join('\n')}
`;
}

describe('every fault at once, above one healthy server (built binary, loopback targets)', () => {
  it('reports each fault down with its own reason, publishes the healthy one, and takes about one timeout', async (t) => {
    const withoutTls = findTool('openssl') === null;
    if (withoutTls) {
      if (process.env.CI === 'true') throw new Error('CI requires openssl (apt-get install openssl)');
      t.diagnostic('openssl missing: TLS faults left out (install: apt-get install openssl)');
    }
    const { faults, healthy } = await startFaultTargets({ timeoutMs: TIMEOUT_MS, alias: ALIAS, body: 'ok', withoutTls });
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-faults-'));
    t.after(async () => {
      await Promise.all([...faults, healthy].map((target) => target.close()));
      rmSync(dir, { recursive: true, force: true });
    });
    const zoneFile = join(dir, 'example.test.zone');
    const configPath = join(dir, 'dnsfail.yaml');
    writeFileSync(configPath, config(zoneFile, [...faults, healthy]));

    const run = await runCli(['check', '--json', '-c', configPath, '--state', join(dir, 'state.json')], { timeoutMs: 20_000 });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const report = JSON.parse(run.stdout) as { durationMs: number; records: Array<{ outcome: string; desired: string[]; servers: ServerJson[] }> };
    const [record] = report.records;
    assert.equal(record?.outcome, 'change');
    assert.deepEqual(record.desired, [healthy.host]);
    assert.match(readFileSync(zoneFile, 'utf8'), new RegExp(`^app\\.example\\.test\\.\\s.*\\sA\\s+${healthy.host.replaceAll('.', '\\.')}$`, 'm'));

    const byAddress = new Map(record.servers.map((s) => [s.address, s]));
    const rows: string[] = [];
    for (const target of faults) {
      const seen = byAddress.get(target.host);
      rows.push(`${target.fault.padEnd(44)} ${String(seen?.error).padEnd(60)} ${Math.round(seen?.latencyMs ?? NaN)}ms`);
      assert.equal(seen?.state, 'down', `${target.fault}: ${JSON.stringify(seen)}`);
      if (typeof target.expectedError === 'string') assert.equal(seen.error, target.expectedError, target.fault);
      else assert.match(seen.error ?? '', target.expectedError, target.fault);
    }
    const up = byAddress.get(healthy.host);
    assert.equal(up?.state, 'up');
    rows.push(`${'healthy'.padEnd(44)} ${'(up, published)'.padEnd(60)} ${Math.round(up.latencyMs ?? NaN)}ms`);

    // The slowest paths wait out the deadline; all probes run at once, so the run costs one of them.
    const slowest = Math.max(...record.servers.map((s) => s.latencyMs ?? 0));
    assert.ok(slowest < TIMEOUT_MS * 1.5, `a probe overran its deadline: ${slowest}ms`);
    assert.ok(report.durationMs < TIMEOUT_MS * 1.5 + 500, `run took ${report.durationMs}ms with a ${TIMEOUT_MS}ms timeout`);
    t.diagnostic(`${faults.length} faults + 1 healthy; run ${report.durationMs}ms inside, ${Math.round(run.ms)}ms wall, timeout ${TIMEOUT_MS}ms, ratio ${(report.durationMs / TIMEOUT_MS).toFixed(2)}`);
    for (const row of rows) t.diagnostic(row);

    // What the targets saw: the bounded read hung up, nothing was followed or retried.
    const target = (fault: string): FaultTarget => faults.find((f) => f.fault.startsWith(fault))!;
    const endless = target('endless body');
    assert.equal(endless.connections, 1);
    assert.equal(endless.closed, 1, 'the endless body target saw its connection closed');
    assert.ok(endless.bytesWritten() < 64 * 1024 * 1024, `endless body: ${endless.bytesWritten()} bytes sent`);
    t.diagnostic(`endless body: ${endless.bytesWritten()} bytes sent before the probe hung up (maxBodyBytes ${MAX_BODY_BYTES}; the rest sat in socket buffers)`);
    assert.equal(target('redirect loop').requests, 1, 'a redirect is judged, never followed');
    for (const f of faults) assert.ok(f.connections <= 1, `${f.fault}: ${f.connections} connections, one probe each`);
    if (!withoutTls) {
      assert.deepEqual(target('TLS: SNI mismatch').servernames, [ALIAS], 'the probe asked for the alias by SNI');
      assert.equal(target('TLS: SNI mismatch').requests, 0, 'no request over a certificate that failed verification');
    }
    assert.equal(healthy.requests, 1);
  });
});
