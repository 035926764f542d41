import yargs, { type Argv } from 'yargs';
import type { CheckArgs } from './commands/check.js';
import { VERSION } from '../version.js';
import { ConfigError, DnsfailError, EnvironmentError, ExitCode, exitCodeOf, fileErrorFix, fileErrorReason } from '../errors.js';
import { redact } from '../../providers/kit/redact.js';
import { makeChalk } from './color.js';
import type { CommandContext, GlobalArgs } from './context.js';
import { processIo, type Io } from './io.js';
import { sourceMappedStack } from './stack.js';

const EXIT_CODES = `Exit codes:
  0  ok: every record in sync or updated
  1  a write, read or runtime failure (also: another run holds the state lock)
  2  bad config, usage or environment (a config or state path that cannot be used): nothing was probed or written
  3  a record has no healthy server (onAllDown decided what it holds)
  4  several checkers (vantage): fewer fresh votes than the quorum needs, so nothing was changed`;

const CONFIG_SEARCH = 'Config: --config, $DNSFAIL_CONFIG, ./dnsfail.yaml, $XDG_CONFIG_HOME/dnsfail/config.yaml, /etc/dnsfail/config.yaml';

export interface MainOptions {
  io?: Io;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Runs `check` once its arguments are parsed (tests capture them here). */
  runCheck?: (args: CheckArgs, ctx: CommandContext) => Promise<number>;
}

const defaultRunCheck = async (args: CheckArgs, ctx: CommandContext) => (await import('./commands/check.js')).checkCommand(args, ctx);

/** Runs the CLI and returns the exit code; never calls process.exit. */
export async function main(argv: string[], opts: MainOptions = {}): Promise<number> {
  const env = opts.env ?? process.env;
  const noColor = argv.includes('--no-color') || argv.includes('--color=false');
  const io = opts.io ?? processIo(makeChalk({ noColor, isTTY: Boolean(process.stdout.isTTY), env }));
  const ctx: CommandContext = { io, env, cwd: opts.cwd ?? process.cwd() };
  const runCheck = opts.runCheck ?? defaultRunCheck;
  // yargs only picks the command; it runs once the parse is over, so an error inside yargs (a locale
  // file it cannot open, say) never leaves a command running on its own.
  let command: (() => number | Promise<number>) | undefined;
  const run = (fn: () => number | Promise<number>) => async () => {
    command = fn;
  };

  const cli = yargs(argv)
    .scriptName('dnsfail')
    .version(VERSION)
    .usage('$0 <command> [options]\n\nHealth-checks an ordered queue of servers and points a DNS record at the first healthy one.')
    .option('config', { alias: 'c', type: 'string', describe: 'Config file (YAML or JSON)' })
    .option('state', { type: 'string', describe: 'State file (default $DNSFAIL_STATE, else $XDG_STATE_HOME/dnsfail/state.json)' })
    .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'Show every record and server, not only changes' })
    .option('color', { type: 'boolean', default: true, describe: 'Colour output (--no-color; NO_COLOR and FORCE_COLOR are honoured)' })
    .command(
      'check',
      'Probe every server, decide, and update records that differ (one run; for cron)',
      (y) =>
        y
          .option('dry-run', { alias: 'n', type: 'boolean', default: false, describe: 'Print the plan; write nothing, not even state' })
          .option('json', { type: 'boolean', default: false, describe: 'Print a machine-readable report' })
          .option('concurrency', { type: 'number', describe: 'Probes in flight at once (default 64)', coerce: positiveInt('--concurrency') })
          .option('metrics-file', { type: 'string', describe: 'Write Prometheus text here after the run (node_exporter textfile collector)' }),
      (a) =>
        run(() => runCheck(checkArgs(a), ctx))(),
    )
    .command(
      'watch',
      'Run check repeatedly on an interval or cron schedule (a daemon for systemd or Kubernetes)',
      (y) =>
        y
          .option('interval', { type: 'string', describe: `Run every DURATION (default ${'30s'})` })
          .option('schedule', { type: 'string', describe: 'Run on a cron schedule instead: 5 fields, or 6 with seconds' })
          .option('tz', { type: 'string', describe: 'Time zone of --schedule (default: the system zone)' })
          .option('jitter', { type: 'string', describe: 'Add up to DURATION of random delay to each run' })
          .option('listen', { type: 'string', describe: 'Serve /metrics and /healthz on IP:PORT, e.g. 127.0.0.1:9464' })
          .option('metrics-file', { type: 'string', describe: 'Also write Prometheus text here after each run' })
          .option('log-format', { choices: ['human', 'json'] as const, default: 'human' as const, describe: 'json: one object per event (journald, Kubernetes)' })
          .option('concurrency', { type: 'number', describe: 'Probes in flight at once (default 64)', coerce: positiveInt('--concurrency') })
          .option('max-runs', { type: 'number', hidden: true }),
      (a) =>
        run(async () =>
          (await import('./commands/watch.js')).watchCommand(
            {
              ...(a as unknown as GlobalArgs),
              logFormat: a.logFormat as 'human' | 'json',
              ...(a.interval ? { interval: String(a.interval) } : {}),
              ...(a.schedule ? { schedule: String(a.schedule) } : {}),
              ...(a.tz ? { tz: String(a.tz) } : {}),
              ...(a.jitter ? { jitter: String(a.jitter) } : {}),
              ...(a.listen ? { listen: String(a.listen) } : {}),
              ...(a.metricsFile ? { metricsFile: String(a.metricsFile) } : {}),
              ...(a.concurrency ? { concurrency: a.concurrency } : {}),
              ...(a.maxRuns ? { maxRuns: a.maxRuns } : {}),
            },
            ctx,
          ),
        )(),
    )
    .command(
      'schedule [expression]',
      'Print the next run times of a cron expression (check a crontab or --schedule line)',
      (y) =>
        withoutGlobals(y, 'config', 'state', 'verbose', 'color')
          .positional('expression', { type: 'string', describe: 'The cron expression (required), e.g. "7,22,37,52 * * * *"' })
          .option('count', { type: 'number', default: 5, describe: 'How many run times', coerce: positiveInt('--count') })
          .option('tz', { type: 'string', describe: 'Time zone' }),
      (a) =>
        run(async () =>
          (await import('./commands/schedule.js')).scheduleCommand({ ...(a.expression !== undefined ? { expression: String(a.expression) } : {}), count: Number(a.count), ...(a.tz ? { tz: String(a.tz) } : {}) }, ctx),
        )(),
    )
    .command(
      'status',
      "Show each record's current value and every server's state from the last runs (probes nothing)",
      (y) => y.option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
      (a) => run(async () => (await import('./commands/status.js')).statusCommand({ ...(a as unknown as GlobalArgs), json: Boolean(a.json) }, ctx))(),
    )
    .command(
      'unlock [record]',
      'Lift provider lockouts and backoffs (e.g. after fixing DynDNS2 credentials) so the next run calls the provider again',
      (y) => y.positional('record', { type: 'string', describe: 'Only this record name' }),
      (a) => run(async () => (await import('./commands/unlock.js')).unlockCommand({ ...(a as unknown as GlobalArgs), ...(a.record ? { record: String(a.record) } : {}) }, ctx))(),
    )
    .command(
      'validate',
      'Check the config only (no network)',
      (y) =>
        withoutGlobals(y, 'state').option('offline', {
          type: 'boolean',
          default: false,
          describe: 'For CI on a pull request, without the secrets: accept unset ${VAR}s and missing secret files (listed), check everything else',
        }),
      (a) => run(async () => (await import('./commands/validate.js')).validateCommand({ ...(a as unknown as GlobalArgs), offline: Boolean(a.offline) }, ctx))(),
    )
    .command(
      'doctor',
      'Check a setup: config, credentials (read and, where the provider can tell, update), the record, the alias CNAME, the TTL; draws the chain',
      (y) =>
        y
          .option('resolver', { type: 'string', describe: "DNS server (IP[:port]) to ask instead of the alias zone's authoritative servers" })
          .option('interval', { type: 'string', default: '1m', describe: 'How often checks run (cron or watch interval), for the TTL advice' }),
      (a) => run(async () => (await import('./commands/doctor.js')).doctorCommand({ ...(a as unknown as GlobalArgs), interval: String(a.interval), ...(a.resolver ? { resolver: String(a.resolver) } : {}) }, ctx))(),
    )
    .command(
      'providers',
      'List the provider types and what each can do',
      (y) => withoutGlobals(y, 'config', 'state', 'verbose').option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
      (a) => run(async () => (await import('./commands/providers.js')).providersCommand({ json: Boolean(a.json) }, ctx))(),
    )
    .command(
      'schema',
      "Print the config's JSON Schema (for editor completion)",
      (y) => withoutGlobals(y, 'config', 'state', 'verbose', 'color'),
      () => run(async () => (await import('./commands/schema.js')).schemaCommand(ctx))(),
    )
    .command(
      'demo',
      'Fail over and back on loopback with a local zone file (no account, no network)',
      (y) => withoutGlobals(y, 'config', 'state').option('verbose', { type: 'boolean', default: false, describe: "Keep the demo's temporary directory (zone file, state) afterwards" }),
      (a) => run(async () => (await import('./commands/demo.js')).demoCommand(a as unknown as GlobalArgs, ctx))(),
    )
    .recommendCommands()
    .demandCommand(1, 'Name a command: check, watch, status, validate, doctor, providers, unlock, schedule, schema or demo')
    .strict()
    .epilog(`${CONFIG_SEARCH}\n\n${EXIT_CODES}`)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new ConfigError(msg ?? 'bad usage', { hint: 'see dnsfail --help' });
    });

  try {
    await cli.parseAsync();
    return command ? await command() : ExitCode.ok;
  } catch (e) {
    return reportError(e, io, env);
  }
}

/** The check arguments from yargs' parse. */
function checkArgs(a: Record<string, unknown>): CheckArgs {
  return {
    ...(a.config !== undefined ? { config: String(a.config) } : {}),
    ...(a.state !== undefined ? { state: String(a.state) } : {}),
    verbose: Boolean(a.verbose),
    color: Boolean(a.color),
    dryRun: Boolean(a.dryRun),
    json: Boolean(a.json),
    ...(a.concurrency ? { concurrency: Number(a.concurrency) } : {}),
    ...(a.metricsFile ? { metricsFile: String(a.metricsFile) } : {}),
  };
}

/**
 * The global options a command ignores, left out of its --help. They are still accepted (and ignored),
 * so scripts that pass --config or --state to every command keep working.
 */
function withoutGlobals<T>(y: Argv<T>, ...ignored: Array<'config' | 'state' | 'verbose' | 'color'>): Argv<T> {
  return ignored.reduce((acc, key) => acc.hide(key), y);
}

/** yargs coerce: a whole number of at least 1, else a usage error naming the flag. */
function positiveInt(flag: string) {
  return (v: unknown) => {
    if (v === undefined) return v;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${flag} must be a whole number of at least 1 (got ${String(v).slice(0, 20)})`);
    return n;
  };
}

/** The single catch: expected errors print a message and hint, unknown ones a stack and a plea. */
async function reportError(e: unknown, io: Io, env: Record<string, string | undefined>): Promise<number> {
  e = knownError(e);
  const code = describeError(e, io);
  if (env.GITHUB_ACTIONS === 'true') {
    const text = e instanceof DnsfailError ? e.message : `unexpected error: ${e instanceof Error ? e.message : String(e)}`;
    try {
      for (const line of (await import('./github.js')).emitGithubError(text, e instanceof DnsfailError ? e.hint : undefined, code, env)) io.out(line);
    } catch (err) {
      io.err(`${io.c.yellow('warning:')} cannot write the GitHub Actions outputs: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return code;
}

/** Errors that are not dnsfail's own but are expected, as DnsfailErrors. */
function knownError(e: unknown): unknown {
  // yargs wraps errors thrown by a coerce function (and its own usage errors) in a YError.
  if (e instanceof Error && e.name === 'YError') e = new ConfigError(e.message, { hint: 'see dnsfail --help' });
  // Out of file descriptors wherever it struck (loading a module, reading a file): the environment, not a bug.
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if ((code === 'EMFILE' || code === 'ENFILE') && !(e instanceof DnsfailError)) e = new EnvironmentError(`cannot open ${(e as NodeJS.ErrnoException).path ?? 'a file'}: ${fileErrorReason(e)}; ${fileErrorFix(e, '')}`);
  return e;
}

function describeError(e: unknown, io: Io): number {
  if (e instanceof DnsfailError) {
    io.err(`${io.c.red('error:')} ${e.message}`);
    if (e.hint) io.err(io.c.dim(`hint: ${e.hint}`));
  } else {
    const err = e instanceof Error ? e : new Error(String(e));
    io.err(`${io.c.red('unexpected error:')} ${redact(err.stack ? sourceMappedStack(err.stack) : err.message)}`);
    io.err('This is a bug in dnsfail; please report it with the output above.');
  }
  return exitCodeOf(e);
}
