import { setTimeout as sleep } from 'node:timers/promises';
import { probe } from './probe.js';
import type { ProbeResult, ProbeTarget } from './types.js';

export interface RunChecksOptions {
  /** Probes in flight at once (at least 1). */
  concurrency: number;
  signal?: AbortSignal;
}

/** A probe's result and when it started (performance.now()), after any wait for a free slot. */
export interface TimedProbe extends ProbeResult {
  startedAt: number;
}

/** The probes of one target in this run, in order. */
export interface ProbeSeries {
  /**
   * The n-th probe (from 0) of the target: the first is queued at once, a later one `gapMs` after the
   * one before it ended (confirming probes). Asking twice for the same n gives the same probe.
   */
  nth(n: number, gapMs: number): Promise<TimedProbe>;
}

/**
 * Starts probing all targets, at most `concurrency` probes in flight at a time, and returns one
 * series per target, in target order, so a caller can act on each result as soon as it is in and ask
 * for confirming probes. Identical targets share one series: its n-th probe is made once.
 */
export function startProbeSeries(targets: ProbeTarget[], opts: RunChecksOptions): ProbeSeries[] {
  const run = probePool(opts);
  const byIdentity = new Map<string, ProbeSeries>();
  return targets.map((target) => {
    const key = identityOf(target);
    let series = byIdentity.get(key);
    if (!series) {
      const results: Array<Promise<TimedProbe>> = [run(target)];
      series = {
        nth(n, gapMs) {
          while (results.length <= n) results.push(results[results.length - 1]!.then(() => sleep(gapMs)).then(() => run(target)));
          return results[n]!;
        },
      };
      byIdentity.set(key, series);
    }
    return series;
  });
}

/** The first probe of every target (startProbeSeries without confirming probes). */
export function startChecks(targets: ProbeTarget[], opts: RunChecksOptions): Array<Promise<ProbeResult>> {
  return startProbeSeries(targets, opts).map((s) => s.nth(0, 0));
}

/** startChecks, waiting for every result. */
export function runChecks(targets: ProbeTarget[], opts: RunChecksOptions): Promise<ProbeResult[]> {
  return Promise.all(startChecks(targets, opts));
}

/** A FIFO queue of probes with at most `concurrency` in flight. */
function probePool(opts: RunChecksOptions): (target: ProbeTarget) => Promise<TimedProbe> {
  const limit = opts.concurrency >= 1 ? Math.floor(opts.concurrency) : 1; // NaN and 0 too
  const queue: Array<() => Promise<void>> = [];
  let head = 0;
  let active = 0;
  const pump = () => {
    while (active < limit && head < queue.length) {
      const job = queue[head]!;
      queue[head++] = undefined as never; // let the finished job's closure go
      active++;
      void job().finally(() => {
        active--;
        pump();
      });
    }
  };
  return (target) =>
    new Promise<TimedProbe>((resolve) => {
      queue.push(async () => {
        const startedAt = performance.now();
        resolve({ ...(await probe(target, opts.signal)), startedAt });
      });
      pump();
    });
}

/** Same address and same check; command checks also see the record name (DNSFAIL_NAME), so it counts too. */
function identityOf({ address, check, recordName }: ProbeTarget): string {
  return JSON.stringify(check.type === 'command' ? [address, check, recordName] : [address, check]);
}
