import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import { performCheck } from '../../app/check.js';
import type { RunReport } from '../../app/report.js';
import { parseDuration } from '../../../providers/kit/duration.js';
import { eventSummary } from '../../notify/payload.js';
import { ConfigError, DnsfailError, LockBusyError } from '../../errors.js';
import { createLogger, type LogFormat, type Logger } from '../../log/logger.js';
import { cronSchedule, intervalSchedule, type Schedule } from '../../schedule/schedule.js';
import { watchLoop } from '../../schedule/watch-loop.js';
import type { ChalkInstance } from 'chalk';
import { assertStateUsable } from '../../state/store.js';
import { recordTitle, serverLine } from '../render.js';
import { loadConfigFor, statePathFor, unlockCommandFor, type CommandContext, type GlobalArgs } from '../context.js';

export interface WatchArgs extends GlobalArgs {
  interval?: string;
  schedule?: string;
  tz?: string;
  jitter?: string;
  listen?: string;
  metricsFile?: string;
  logFormat: LogFormat;
  concurrency?: number;
  /** For tests and one-off use: stop after this many runs. */
  maxRuns?: number;
}

const DEFAULT_INTERVAL = '30s';

/**
 * `dnsfail watch`: the one-run engine on an interval or cron schedule, never overlapping.
 * SIGTERM/SIGINT finish the run in progress and exit 0; a second one exits at once.
 * SIGHUP reloads the config; a broken new config is reported and the old one kept.
 */
export async function watchCommand(args: WatchArgs, ctx: CommandContext): Promise<number> {
  const schedule = pickSchedule(args);
  const jitterMs = args.jitter ? durationArg('--jitter', args.jitter) : 0;
  if (args.listen) parseListen(args.listen); // a bad flag is refused before the config is read
  const log = createLogger(args.logFormat, ctx.io);
  const configWarning = (text: string) => log.log('warn', 'config-warning', text);
  let config = await loadConfigFor(args, ctx, configWarning);
  const statePath = statePathFor(args, ctx, config);
  await assertStateUsable(statePath); // a state file no run could use stops the daemon now, with exit 2
  const stop = new AbortController();
  let runs = 0;
  let last: { at: number; report?: RunReport; metrics: () => string } = { at: Date.now(), metrics: () => '' };
  let running = false;

  const onStop = (sig: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      log.log('warn', 'exit', `${sig} again: exiting without waiting`);
      process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    }
    log.log('info', 'stopping', running ? `${sig}: finishing the run in progress, then exiting` : `${sig}: exiting`, { signal: sig });
    stop.abort();
  };
  const onHup = () => void reload();
  const reload = async () => {
    try {
      config = await loadConfigFor(args, ctx, configWarning);
      log.log('info', 'reload', `config reloaded: ${config.records.length} record(s)`);
    } catch (e) {
      const msg = e instanceof DnsfailError ? e.message : String(e);
      log.log('error', 'reload-failed', `config reload failed; keeping the previous config: ${msg}`);
    }
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  const server = args.listen ? await listen(args.listen, () => last, schedule, log) : null;

  log.log('info', 'start', `watching ${config.records.length} record(s) ${schedule.describe}${jitterMs ? ` (+ up to ${args.jitter} jitter)` : ''}; state ${statePath}`, {
    records: config.records.length,
    schedule: schedule.describe,
  });
  try {
    await watchLoop({
      schedule,
      jitterMs,
      signal: stop.signal,
      runCycle: async () => {
        running = true;
        runs++;
        try {
          const { report, metrics } = await performCheck(config, {
            statePath,
            dryRun: false,
            runsTotal: runs,
            unlockCommand: unlockCommandFor(args, ctx, config),
            ...(args.metricsFile ? { metricsFile: args.metricsFile } : {}),
            ...(args.concurrency ? { concurrency: args.concurrency } : {}),
            fastIntervalCapMs: periodOf(schedule),
          });
          last = { at: Date.now(), report, metrics };
          logRun(log, report);
          if (args.verbose) logServers(log, report, ctx.io.c);
        } catch (e) {
          if (e instanceof LockBusyError) log.log('warn', 'skipped', `run skipped: ${e.message}`);
          else log.log('error', 'run-failed', `run failed: ${e instanceof Error ? e.message : String(e)}`);
          last = { ...last, at: Date.now() };
        } finally {
          running = false;
        }
        if (args.maxRuns && runs >= args.maxRuns) stop.abort();
      },
    });
  } finally {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHup);
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  }
  log.log('info', 'stopped', `stopped after ${runs} run(s)`, { runs });
  return 0;
}

function logRun(log: Logger, report: RunReport): void {
  for (const e of report.events) {
    const level = e.kind === 'change' || e.kind === 'recovery' ? 'info' : e.kind === 'all-down' ? 'warn' : 'error';
    log.log(level, e.kind, eventSummary(e), { record: e.name, type: e.type, old: e.old, new: e.new, reason: e.reason });
  }
  for (const w of report.warnings) log.log('warn', 'warning', w);
  log.log('info', 'run', `run finished in ${report.durationMs} ms, exit code ${report.exitCode}`, {
    durationMs: report.durationMs,
    exitCode: report.exitCode,
    changed: report.records.filter((r) => r.written).length,
  });
}

/** The gap between two runs: a failing server is never confirmed more slowly than the next run would probe it. */
function periodOf(schedule: Schedule): number {
  const next = schedule.next(new Date());
  return schedule.next(next).getTime() - next.getTime();
}

/** -v: every server's line, as `check -v` prints it. */
function logServers(log: Logger, report: RunReport, c: ChalkInstance): void {
  for (const r of report.records) {
    for (const s of r.servers) {
      log.log('info', 'server', `${recordTitle(r, c)}    ${serverLine(s, c)}`, { record: r.name, type: r.type, address: s.address, state: s.state, healthy: s.healthy, latencyMs: s.latencyMs, error: s.error ?? null, ...(s.detail ? { detail: s.detail } : {}) });
    }
  }
}

function pickSchedule(args: WatchArgs): Schedule {
  if (args.interval && args.schedule) throw new ConfigError('give either --interval or --schedule, not both');
  if (args.tz && !args.schedule) throw new ConfigError('--tz applies only to --schedule');
  if (args.schedule) return cronSchedule(args.schedule, args.tz);
  return intervalSchedule(durationArg('--interval', args.interval ?? DEFAULT_INTERVAL));
}

function durationArg(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new ConfigError(`${flag} "${text}" is not a duration such as 500ms, 30s or 5m`);
  return ms;
}

/** /metrics (Prometheus text of the last run) and /healthz (the loop is alive: a run finished recently). */
function parseListen(spec: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(spec);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!host || !isIP(host) || !(port > 0 && port < 65536)) throw new ConfigError(`--listen "${spec}" must be IP:PORT, e.g. 127.0.0.1:9464`);
  return { host, port };
}

function listen(spec: string, last: () => { at: number; metrics: () => string; report?: RunReport }, schedule: Schedule, log: Logger): Promise<Server> {
  const { host, port } = parseListen(spec);
  const server = createServer((req, res) => {
    const l = last();
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(l.metrics());
    } else if (req.url === '/healthz') {
      const now = Date.now();
      const period = schedule.next(new Date(now)).getTime() - now;
      const healthy = now - l.at <= 2 * period + 60_000;
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: healthy ? 'ok' : 'stale', lastRunAt: new Date(l.at).toISOString(), lastExitCode: l.report?.exitCode ?? null }));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: try /metrics or /healthz\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new DnsfailError(`cannot listen on ${spec}: ${e.code}`)));
    server.listen(port, host, () => {
      log.log('info', 'listen', `serving /metrics and /healthz on http://${spec}`);
      resolve(server);
    });
  });
}
