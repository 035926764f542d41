import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performCheck } from '../../app/check.js';
import type { RunReport } from '../../app/report.js';
import { buildConfig } from '../../config/load.js';
import { parseConfigText } from '../../config/yaml-source.js';
import { DnsfailError, ExitCode } from '../../errors.js';
import type { CommandContext, GlobalArgs } from '../context.js';
import { renderRun, serverLine } from '../render.js';

const PRIMARY = '127.0.0.2';
const BACKUP = '127.0.0.3';

/** The embedded default config: the real zone-file provider and real HTTP checks, all on loopback. */
export function demoConfigText(zoneFile: string, port: number): string {
  return `providers:
  local:
    type: zonefile
    file: ${JSON.stringify(zoneFile)}
    zone: example.test
defaults:
  ttl: 30
  fall: 1        # demo only: react to one failed probe (default 3)
  rise: 1        # demo only: trust one good probe (default 2)
  check: { type: http, port: ${port}, path: /healthz, timeout: 1s, expectBody: ok }
records:
  - name: app.example.test
    alias: www.example.test
    servers:
      - address: ${PRIMARY}
        label: primary
      - address: ${BACKUP}
        label: backup
`;
}

/**
 * `dnsfail demo`: two HTTP servers on loopback, a zone file in a temp dir, the real engine.
 * Shows the record created, failing over when the primary stops, and failing back when it returns.
 */
export async function demoCommand(args: GlobalArgs, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const { c } = io;
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-demo-'));
  const zoneFile = join(dir, 'example.test.zone');
  const statePath = join(dir, 'state.json');
  const backup = await startHealthServer(BACKUP, 0);
  const port = (backup.address() as { port: number }).port;
  let primary: Server | null = await startHealthServer(PRIMARY, port);
  try {
    const config = await buildConfig(parseConfigText(demoConfigText(zoneFile, port), 'embedded demo config'), dir, {});
    const step = async (title: string): Promise<RunReport> => {
      io.out('');
      io.out(c.bold.underline(title));
      const { report } = await performCheck(config, { statePath, dryRun: false });
      for (const r of report.records) for (const s of r.servers) io.out(`  ${serverLine(s, c)}`);
      const lines = renderRun(report, { c }, false);
      for (const line of lines) io[line.stream](`  ${line.text}`);
      if (lines.length === 0) io.out(`  ${c.dim('in sync: nothing written')}`);
      io.out(`  ${c.dim('zone file:')} ${managedLines(zoneFile).join(c.dim(' | '))}`);
      return report;
    };

    io.out(`${c.bold('dnsfail demo')}: www.example.test is a CNAME to ${c.bold('app.example.test')}, which dnsfail keeps pointed at the first healthy server.`);
    io.out(c.dim(`servers: ${PRIMARY}:${port} (primary), ${BACKUP}:${port} (backup); zone file ${zoneFile}`));
    const outcomes: string[] = [];
    const expect = (report: RunReport, address: string) => {
      const ok = report.records[0]?.desired?.[0] === address && report.exitCode === 0;
      outcomes.push(ok ? 'ok' : 'unexpected');
    };
    expect(await step('1. Both servers healthy: the record is created pointing at the primary'), PRIMARY);
    expect(await step('2. Nothing changed: a second run writes nothing'), PRIMARY);
    await stopServer(primary);
    primary = null;
    expect(await step(`3. The primary stops answering: fail over to the backup`), BACKUP);
    primary = await startHealthServer(PRIMARY, port);
    expect(await step('4. The primary is back: fail back (failback: auto)'), PRIMARY);
    io.out('');
    if (outcomes.every((o) => o === 'ok')) {
      io.out(`${c.green('done')}: the record followed the healthy server. Next: ${c.bold('examples/zonefile.yaml')}, then ${c.bold('dnsfail validate -c FILE')} and ${c.bold('dnsfail check -c FILE')} from cron.`);
      return ExitCode.ok;
    }
    io.err(`${c.red('the demo did not go as expected')}: ${outcomes.join(', ')}`);
    return ExitCode.failure;
  } finally {
    if (primary) await stopServer(primary);
    await stopServer(backup);
    if (!args.verbose) rmSync(dir, { recursive: true, force: true });
  }
}

function managedLines(zoneFile: string): string[] {
  try {
    return readFileSync(zoneFile, 'utf8')
      .split('\n')
      .filter((l) => /^app\.example\.test\.?\s/i.test(l))
      .map((l) => l.replace(/\s+/g, ' ').trim());
  } catch {
    return ['(no zone file)'];
  }
}

function startHealthServer(host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(req.url === '/healthz' ? `ok ${host}\n` : 'not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new DnsfailError(`demo: cannot listen on ${host}:${port} (${e.code})`, { hint: 'the demo needs 127.0.0.2 and 127.0.0.3 on loopback (Linux has them; on macOS: sudo ifconfig lo0 alias 127.0.0.2 up)' })),
    );
    server.listen(port, host, () => resolve(server));
  });
}

function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
