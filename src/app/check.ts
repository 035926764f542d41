import type { Config } from '../config/types.js';
import { DnsfailError } from '../errors.js';
import { acquireLock } from '../state/lock.js';
import { loadState, saveState } from '../state/store.js';
import { closeProviders, createProviders } from './providers.js';
import type { RunReport } from './report.js';
import { runOnce } from './run-once.js';

export interface CheckOptions {
  statePath: string;
  dryRun: boolean;
  concurrency?: number;
  /** How long to wait for an overlapping run to finish before giving up. */
  lockWaitMs?: number;
}

export const DEFAULT_LOCK_WAIT_MS = 3000;

/** `dnsfail check`: lock, load state, run once, save state. A dry run takes no lock and saves nothing. */
export async function performCheck(config: Config, opts: CheckOptions): Promise<RunReport> {
  const lock = opts.dryRun ? null : await acquireLock(`${opts.statePath}.lock`, opts.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);
  try {
    const loaded = loadState(opts.statePath);
    const providers = createProviders(config);
    let result;
    try {
      result = await runOnce(config, loaded.state, { providers }, { dryRun: opts.dryRun, ...(opts.concurrency ? { concurrency: opts.concurrency } : {}) });
    } finally {
      await closeProviders(providers);
    }
    if (loaded.warning) result.report.warnings.push(loaded.warning);
    if (!opts.dryRun) {
      try {
        saveState(opts.statePath, result.state, new Date());
      } catch (e) {
        throw new DnsfailError(`cannot write state file ${opts.statePath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
      }
    }
    return result.report;
  } finally {
    lock?.release();
  }
}
