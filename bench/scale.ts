import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../test/helpers/cli.js';
import { measureNode } from './lib/measure-node.js';
import type { BenchRow } from './lib/row.js';

const SIZES = [10, 100, 1000, 5000];
const SERVERS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

/**
 * Target 3: N records × 3 servers against real loopback HTTP targets (every record has its own
 * check path, so nothing is deduplicated: 3N real probes), one zone file. The first run creates every
 * record, the second finds them in sync. Time and peak RSS per size; the goal is 1,000 records in
 * under 5 s and 150 MB.
 */
export async function run(): Promise<BenchRow[]> {
  const servers: Server[] = [];
  for (const host of SERVERS) {
    const s = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    s.keepAliveTimeout = 1;
    await new Promise<void>((r) => s.listen(servers.length ? (servers[0]!.address() as { port: number }).port : 0, host, () => r()));
    servers.push(s);
  }
  const port = (servers[0]!.address() as { port: number }).port;
  const rows: BenchRow[] = [];
  try {
    for (const n of SIZES) {
      const dir = mkdtempSync(join(tmpdir(), `dnsfail-bench-scale-${n}-`));
      const cfg = join(dir, 'dnsfail.yaml');
      const lines = ['providers:', '  local: { type: zonefile, file: ./example.test.zone, zone: example.test }', 'records:'];
      for (let i = 0; i < n; i++) {
        lines.push(`  - name: r${i}.example.test`, `    check: { type: http, port: ${port}, path: /h/${i}, timeout: 2s }`, `    servers: [${SERVERS.join(', ')}]`);
      }
      writeFileSync(cfg, `${lines.join('\n')}\n`);
      const args = [BIN, 'check', '-c', cfg, '--state', join(dir, 'state.json')];
      const create = await measureNode(args, { rss: true });
      if (create.code !== 0) throw new Error(`scale ${n}: first run exited ${create.code}: ${create.stderr.slice(0, 500)}`);
      const zone = readFileSync(join(dir, 'example.test.zone'), 'utf8');
      const written = zone.split('\n').filter((l) => /^r\d+\.example\.test\.\s/.test(l)).length;
      if (written !== n) throw new Error(`scale ${n}: the zone holds ${written} records, expected ${n}`);
      const again = await measureNode(args, { rss: true });
      if (again.code !== 0 || again.stdout !== '') throw new Error(`scale ${n}: second run not silent: ${again.stdout.slice(0, 300)}${again.stderr.slice(0, 300)}`);
      rows.push(
        { name: `${n} records × 3 servers, first run (creates all)`, value: Math.round(create.ms), unit: 'ms', note: `peak RSS ${Math.round((create.maxRssKb ?? 0) / 1024)} MB` },
        { name: `${n} records × 3 servers, no change`, value: Math.round(again.ms), unit: 'ms', note: `peak RSS ${Math.round((again.maxRssKb ?? 0) / 1024)} MB${n === 1000 ? '; target < 5000 ms, < 150 MB' : ''}` },
      );
    }
  } finally {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  }
  return rows;
}
