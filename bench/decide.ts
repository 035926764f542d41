import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createNetnsPair } from '../test/helpers/netns.js';
import type { BenchRow } from './lib/row.js';

const TIMEOUT_MS = 1000;
const PORT = 8080;

/**
 * Target 1: decide in one timeout. In a pair of network namespaces, k servers whose packets are
 * dropped sit above one healthy server; dnsfail (run inside the client namespace) must publish the
 * healthy one after about one probe timeout, not k + 1 of them (ratio ≤ 1.2). And when the top
 * server is healthy, its write must not wait for the black-holed ones below it.
 */
export async function run(): Promise<BenchRow[]> {
  const cleanups: Array<() => void> = [];
  // The netns helper is written for node:test; outside it, "skip" means this bench cannot run here.
  const ctx = { skip: (msg: string) => { throw new Error(`skipped: ${msg}`); }, after: (fn: () => void) => cleanups.push(fn) } as unknown as TestContext;
  const pair = createNetnsPair(ctx);
  if (!pair) throw new Error('skipped: network namespaces are not available');
  const rows: BenchRow[] = [];
  try {
    const addresses = [pair.serverAddresses[0]!];
    for (let i = 0; i < 8; i++) addresses.push(pair.addServerAddress());
    const server = await pair.startHttpServer({ addresses, port: PORT });
    cleanups.push(() => server.stop());

    for (let k = 1; k <= 8; k++) {
      const holes = addresses.slice(0, k);
      const healthy = addresses[k]!;
      const undo = holes.map((a) => pair.blackhole(PORT, a));
      try {
        const { ms, report } = await check(pair, [...holes, healthy]);
        const rec = report.records[0];
        if (rec.desired?.[0] !== healthy) throw new Error(`k=${k}: published ${rec.desired} instead of ${healthy}`);
        rows.push({ name: `k=${k} black-holed above 1 healthy`, value: report.durationMs, unit: 'ms', compare: { name: 'probe timeout', value: TIMEOUT_MS }, ratio: report.durationMs / TIMEOUT_MS, note: `a sequential walk: ${(k + 1) * TIMEOUT_MS} ms; wall with process start ${Math.round(ms)} ms` });
      } finally {
        for (const u of undo) u();
      }
    }

    // Healthy top server, 4 black holes below it: the write happens long before the run ends.
    const top = addresses[0]!;
    const below = addresses.slice(1, 5);
    const undo = below.map((a) => pair.blackhole(PORT, a));
    try {
      const { report, writeAfterMs } = await check(pair, [top, ...below]);
      rows.push({ name: 'healthy top server, 4 black-holed below: write after', value: Math.round(writeAfterMs), unit: 'ms', compare: { name: 'whole run', value: report.durationMs }, ratio: writeAfterMs / report.durationMs, note: 'the write does not wait for the slow servers (their history is still saved at the end)' });
    } finally {
      for (const u of undo) u();
    }
  } finally {
    for (const c of cleanups.reverse()) c();
    pair.teardown();
  }
  return rows;
}

async function check(pair: NonNullable<ReturnType<typeof createNetnsPair>>, servers: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-bench-decide-'));
  const zone = join(dir, 'example.test.zone');
  writeFileSync(
    join(dir, 'dnsfail.yaml'),
    `providers:\n  local: { type: zonefile, file: ${JSON.stringify(zone)}, zone: example.test }\nrecords:\n  - name: app.example.test\n    check: { type: http, port: ${PORT}, path: /health, timeout: ${TIMEOUT_MS}ms }\n    servers: [${servers.join(', ')}]\n`,
  );
  const t0 = Date.now();
  const r = await pair.runCliInClient(['check', '--json', '-c', join(dir, 'dnsfail.yaml'), '--state', join(dir, 'state.json')], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`check exited ${r.code}: ${r.stderr.slice(0, 300)}`);
  const report = JSON.parse(r.stdout);
  // The report's start is the engine's start; the zone file's mtime is the moment of the write.
  const writeAfterMs = statSync(zone).mtimeMs - Date.parse(report.startedAt);
  return { ms: Date.now() - t0, report, writeAfterMs };
}
