import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeDyndns2, type FakeDyndns2 } from '../test/fakes/dyndns2.js';
import { BIN } from '../test/helpers/cli.js';
import { findTool } from '../test/helpers/require-tool.js';
import { startHttpTarget, type Target } from '../test/helpers/targets.js';
import { median } from './lib/measure-node.js';
import { measureProcess, RSS_METHOD, type MeasuredProcess } from './lib/peak-rss.js';
import type { BenchRow } from './lib/row.js';

const ROUNDS = 5;
const USER = 'bench';
const PASSWORD = 'bench-dyndns2-Secret-42';
const ZONE = 'dyn.example.test';
const ADDRESS = '127.0.0.3';

type Tool = 'ddclient' | 'dnsfail';

/**
 * One DynDNS2 update to the same loopback fake (test/fakes/dyndns2.ts), by ddclient (Debian's) and
 * by `dnsfail check`: wall time (spawn → exit) and peak RSS, measured the same way for both. Each
 * run updates a hostname of its own (so the fake answers `good`, never `nochg`/`abuse`) and must
 * reach the fake exactly once. ddclient is told the address (use=ip); dnsfail first probes its one
 * server, a loopback HTTP target on 127.0.0.3, and publishes it from an empty state.
 */
export async function run(): Promise<BenchRow[]> {
  const ddclient = findTool('ddclient');
  if (!ddclient) throw new Error('skipped: ddclient is not installed (apt-get install --no-install-recommends ddclient)');

  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-bench-ddclient-'));
  let fake: FakeDyndns2 | undefined;
  let target: Target | undefined;
  try {
    fake = await startFakeDyndns2({ accounts: [{ username: USER, password: PASSWORD, zones: [ZONE] }] });
    target = await startHttpTarget({ host: ADDRESS });
    const f = fake;
    const t = target;
    let seq = 0;

    const once = async (tool: Tool): Promise<MeasuredProcess> => {
      const host = `${tool}-${++seq}.${ZONE}`;
      const before = f.requests.length;
      const m = tool === 'ddclient' ? await runDdclient(ddclient, dir, f.port, host, seq) : await runDnsfail(dir, f.url, t.port, host, seq);
      const seen = f.requests.slice(before);
      const good = seen.length === 1 && seen[0]!.query.hostname === host && seen[0]!.answer === `good ${ADDRESS}`;
      if (!good || (tool === 'dnsfail' && m.code !== 0)) {
        const got = seen.map((r) => `${r.path}?${new URLSearchParams(r.query)} → ${r.status} ${r.answer ?? '(no answer)'}`).join('; ') || 'nothing';
        throw new Error(`${tool} run ${seq}: expected exactly one update of ${host} answered "good ${ADDRESS}", the fake got: ${got}; exit ${m.code}\n${m.stdout}${m.stderr}`);
      }
      return m;
    };

    // One unmeasured run each warms the page cache; then the two alternate, first one then the other.
    await once('ddclient');
    await once('dnsfail');
    const runs: Record<Tool, MeasuredProcess[]> = { ddclient: [], dnsfail: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order: Tool[] = round % 2 ? ['dnsfail', 'ddclient'] : ['ddclient', 'dnsfail'];
      for (const tool of order) runs[tool].push(await once(tool));
    }

    const ua = f.requests.find((r) => String(r.headers['user-agent']).startsWith('ddclient/'))?.headers['user-agent'] ?? 'ddclient';
    const wall = (tool: Tool) => median(runs[tool].map((m) => m.ms));
    const rss = (tool: Tool) => {
      const kb = runs[tool].map((m) => m.peakRssKb);
      if (kb.some((k) => k === null)) throw new Error(`${tool}: peak RSS could not be read (${RSS_METHOD})`);
      return median(kb as number[]) / 1024;
    };
    const failedExits = runs.ddclient.filter((m) => m.code !== 0);
    const ddclientExit = failedExits.length
      ? `; ${ua} exited non-zero in ${failedExits.length}/${ROUNDS} runs (${firstLine(failedExits[0]!)}) although the fake applied the update: 3.10.0 misreads chunked answers (ddclient issue #548)`
      : '';
    const mib = (x: number) => Math.round(x * 10) / 10;
    return [
      {
        name: 'one DynDNS2 update, wall time (spawn → exit)',
        value: Math.round(wall('dnsfail')),
        unit: 'ms',
        compare: { name: ua, value: Math.round(wall('ddclient')) },
        ratio: wall('dnsfail') / wall('ddclient'),
        note: `median of ${ROUNDS}; dnsfail also health-checks one HTTP server first, ddclient checks nothing${ddclientExit}`,
      },
      {
        name: 'one DynDNS2 update, peak RSS',
        value: mib(rss('dnsfail')),
        unit: 'MiB',
        compare: { name: ua, value: mib(rss('ddclient')) },
        ratio: rss('dnsfail') / rss('ddclient'),
        note: `median of ${ROUNDS}; ${RSS_METHOD}`,
      },
    ];
  } finally {
    await target?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function runDdclient(ddclient: string, dir: string, port: number, host: string, seq: number): Promise<MeasuredProcess> {
  const conf = join(dir, `ddclient-${seq}.conf`);
  writeFileSync(conf, [`ssl=no`, `protocol=dyndns2`, `server=127.0.0.1:${port}`, `use=ip, ip=${ADDRESS}`, `login=${USER}`, `password='${PASSWORD}'`, host, ''].join('\n'), {
    mode: 0o600,
  });
  // -daemon=0 with -foreground: exactly one pass, then exit; a fresh cache and -force: it really sends.
  const args = ['-daemon=0', '-foreground', '-file', conf, '-cache', join(dir, `ddclient-${seq}.cache`), '-force'];
  return measureProcess(ddclient, args, { timeoutMs: 20_000 });
}

function runDnsfail(dir: string, url: string, checkPort: number, host: string, seq: number): Promise<MeasuredProcess> {
  const cfg = join(dir, `dnsfail-${seq}.yaml`);
  writeFileSync(
    cfg,
    `providers:
  dyn: { type: dyndns2, server: "${url}", username: ${USER}, password: "\${DYN_PASSWORD}" }
records:
  - name: ${host}
    check: { type: http, port: ${checkPort}, path: /health, timeout: 1s }
    servers: [${ADDRESS}]
`,
  );
  const args = [BIN, 'check', '-c', cfg, '--state', join(dir, `dnsfail-${seq}.state.json`)];
  return measureProcess(process.execPath, args, { env: { DYN_PASSWORD: PASSWORD }, timeoutMs: 20_000 });
}

function firstLine(m: MeasuredProcess): string {
  const line = `${m.stdout}\n${m.stderr}`.split('\n').find((l) => /FAILED|WARNING|error/i.test(l)) ?? `exit ${m.code}`;
  return line.trim().replace(/\s+/g, ' ').slice(0, 120);
}
