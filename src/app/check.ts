import type { Config } from '../config/types.js';
import { DnsfailError } from '../errors.js';
import { renderMetrics } from '../metrics/prometheus.js';
import { writeFileAtomic } from '../../providers/kit/atomic-write.js';
import { acquireLock } from '../state/lock.js';
import { stateWriteProblem } from '../state/state-path.js';
import { loadState, saveState, type StateFile } from '../state/store.js';
import { closeProviders, createProviders, USER_AGENT } from './providers.js';
import type { RunReport } from './report.js';
import { runOnce } from './run-once.js';

export interface CheckOptions {
  statePath: string;
  dryRun: boolean;
  concurrency?: number;
  /** How long to wait for an overlapping run to finish before giving up. */
  lockWaitMs?: number;
  /** Write Prometheus text here after the run (node_exporter textfile collector). */
  metricsFile?: string;
  /** watch: runs so far, exported as dnsfail_runs_total. */
  runsTotal?: number;
  /** watch: its interval, the longest gap between confirming probes. */
  fastIntervalCapMs?: number;
  /** The command that lifts a record's lockout or backoff, for messages. */
  unlockCommand?: (recordName: string) => string;
}

export interface CheckResult {
  report: RunReport;
  state: StateFile;
  /** The metrics text of this run, rendered on first call (it is sizeable, and a cron run without metricsFile never needs it). */
  metrics: () => string;
}

export const DEFAULT_LOCK_WAIT_MS = 3000;

// Loaded only by configs that notify or ping: the HTTP client and child_process are not free to load.
const sendPing: typeof import('../notify/ping.js').sendPing = async (...a) => (await import('../notify/ping.js')).sendPing(...a);
const sendNotifications: typeof import('../notify/send.js').sendNotifications = async (...a) => (await import('../notify/send.js')).sendNotifications(...a);

/**
 * One complete run as `dnsfail check` does it: lock, load state, ping start, run, notify, save
 * state, ping the result, write metrics. A dry run takes no lock and has no side effects; it warns
 * when a real run could not write the state file. Both fail before probing when the state cannot be
 * read or (not a dry run) the lock cannot be taken.
 */
export async function performCheck(config: Config, opts: CheckOptions): Promise<CheckResult> {
  const lock = opts.dryRun ? null : await acquireLock(`${opts.statePath}.lock`, opts.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);
  try {
    const loaded = loadState(opts.statePath);
    const sideEffects = !opts.dryRun;
    const warnings: string[] = loaded.warning ? [loaded.warning] : [];
    const stateProblem = opts.dryRun ? stateWriteProblem(opts.statePath) : null;
    if (stateProblem) warnings.push(`a real run would fail: ${stateProblem}`);
    if (sideEffects && config.ping) pushWarning(warnings, await sendPing(config.ping, 'start', USER_AGENT));

    const providers = createProviders(config, (m) => warnings.push(m));
    let result;
    try {
      result = await runOnce(config, loaded.state, { providers }, {
        dryRun: opts.dryRun,
        ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
        ...(opts.fastIntervalCapMs !== undefined ? { fastIntervalCapMs: opts.fastIntervalCapMs } : {}),
        ...(opts.unlockCommand ? { unlockCommand: opts.unlockCommand } : {}),
      });
    } finally {
      await closeProviders(providers);
    }
    const { report, state } = result;
    if (sideEffects && config.notify.length && report.events.length) warnings.push(...(await sendNotifications(config.notify, report.events, USER_AGENT)));
    if (sideEffects) {
      try {
        saveState(opts.statePath, state, new Date());
      } catch (e) {
        // Probes ran and records may have been written: a runtime failure (exit 1), not a refusal up front.
        throw new DnsfailError((e as Error).message, { cause: e });
      }
    }
    if (sideEffects && config.ping) {
      const summary = report.records.map((r) => `${r.name} ${r.type}: ${r.outcome}${r.error ? ` (${r.error})` : ''}`).join('\n');
      pushWarning(warnings, await sendPing(config.ping, report.exitCode === 0 ? 'success' : 'fail', USER_AGENT, summary));
    }
    report.warnings.unshift(...warnings);
    const finishedAt = Date.now() / 1000;
    let text: string | undefined;
    const metrics = () => (text ??= renderMetrics({ records: config.records, history: state.records, report, finishedAt, ...(opts.runsTotal !== undefined ? { runsTotal: opts.runsTotal } : {}) }));
    if (opts.metricsFile) {
      try {
        writeFileAtomic(opts.metricsFile, metrics(), 0o644);
      } catch (e) {
        report.warnings.push(`cannot write metrics file ${opts.metricsFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    return { report, state, metrics };
  } finally {
    lock?.release();
  }
}

function pushWarning(list: string[], w: string | null): void {
  if (w) list.push(w);
}
