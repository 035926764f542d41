import type { Schedule } from './schedule.js';

export interface WatchLoopOptions {
  schedule: Schedule;
  /** Up to this much random delay is added to each run (spreads load across many checkers). */
  jitterMs: number;
  /** One run; the loop never starts another before it settles. */
  runCycle: () => Promise<void>;
  /** Aborting ends the loop: at once while waiting, after the run in progress otherwise. */
  signal: AbortSignal;
  now?: () => Date;
  random?: () => number;
}

/** Runs at start, then on the schedule, one run at a time, until the signal aborts. */
export async function watchLoop(opts: WatchLoopOptions): Promise<void> {
  const now = opts.now ?? (() => new Date());
  const random = opts.random ?? Math.random;
  let due = now();
  while (!opts.signal.aborted) {
    const wait = due.getTime() - now().getTime();
    if (wait > 0 && !(await sleep(wait, opts.signal))) break;
    await opts.runCycle();
    // Schedule from the later of "when it was due" and "now", so a slow run does not cause a burst of catch-up runs.
    const base = new Date(Math.max(due.getTime(), now().getTime()));
    due = new Date(opts.schedule.next(base).getTime() + Math.floor(random() * opts.jitterMs));
  }
}

/** Resolves true after ms, or false as soon as the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
