import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { BIN } from '../test/helpers/cli.js';
import { measureNode, median } from './lib/measure-node.js';
import type { BenchRow } from './lib/row.js';

const ROUNDS = 15;

/**
 * Target 2: a no-change `dnsfail check` on a one-record config costs ≤ 3× `node -e 0`, and
 * `dnsfail --version` ≤ 2× (a plain bundle parsed by yargs, no code cache: issue 12). The three
 * commands are interleaved round by round, so load on a shared machine hits them alike; medians are
 * compared.
 */
export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-bench-startup-'));
  const target = createServer((s) => s.end());
  await new Promise<void>((r) => target.listen(0, '127.0.0.2', () => r()));
  const port = (target.address() as { port: number }).port;
  const cfg = join(dir, 'dnsfail.yaml');
  writeFileSync(
    cfg,
    `providers:\n  local: { type: zonefile, file: ./example.test.zone, zone: example.test }\nrecords:\n  - name: app.example.test\n    check: { type: tcp, port: ${port}, timeout: 1s }\n    servers: [127.0.0.2]\n`,
  );
  const check = [BIN, 'check', '-c', cfg, '--state', join(dir, 'state.json')];
  const first = await measureNode(check);
  if (first.code !== 0) throw new Error(`setup run failed: ${first.stderr}`);

  const times = { node: [] as number[], version: [] as number[], check: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    times.node.push((await measureNode(['-e', '0'])).ms);
    times.version.push((await measureNode([BIN, '--version'])).ms);
    const r = await measureNode(check);
    if (r.code !== 0 || r.stdout !== '') throw new Error(`a no-change check must be silent and exit 0: ${r.code} ${r.stdout}${r.stderr}`);
    times.check.push(r.ms);
  }
  target.close();
  const base = median(times.node);
  return [
    { name: 'node -e 0', value: round(base), unit: 'ms', note: `median of ${ROUNDS}` },
    { name: 'dnsfail --version', value: round(median(times.version)), unit: 'ms', compare: { name: 'node -e 0', value: round(base) }, ratio: median(times.version) / base, note: `target ≤ 2×${median(times.version) / base <= 2 ? '' : ' MISSED'}` },
    { name: 'dnsfail check (1 record, no change)', value: round(median(times.check)), unit: 'ms', compare: { name: 'node -e 0', value: round(base) }, ratio: median(times.check) / base, note: `target ≤ 3×${median(times.check) / base <= 3 ? '' : ' MISSED'}` },
  ];
}

const round = (x: number) => Math.round(x * 10) / 10;
