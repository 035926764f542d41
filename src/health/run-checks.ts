import { probe } from './probe.js';
import type { ProbeResult, ProbeTarget } from './types.js';

export interface RunChecksOptions {
  /** Probes in flight at once (at least 1). */
  concurrency: number;
  signal?: AbortSignal;
}

/**
 * Starts probing all targets, at most `concurrency` at a time, and returns one promise per target,
 * in target order, so a caller can act on each result as soon as it is in. Identical targets are
 * probed once and share the result.
 */
export function startChecks(targets: ProbeTarget[], opts: RunChecksOptions): Array<Promise<ProbeResult>> {
  const slotOf = new Map<string, number>();
  const unique: ProbeTarget[] = [];
  const slots = targets.map((target) => {
    const key = identityOf(target);
    let slot = slotOf.get(key);
    if (slot === undefined) {
      slot = unique.push(target) - 1;
      slotOf.set(key, slot);
    }
    return slot;
  });

  const settle: Array<(r: ProbeResult) => void> = [];
  const results = unique.map(() => new Promise<ProbeResult>((resolve) => settle.push(resolve)));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < unique.length) {
      const i = next++;
      settle[i]!(await probe(unique[i]!, opts.signal));
    }
  };
  const limit = opts.concurrency >= 1 ? Math.floor(opts.concurrency) : 1; // NaN and 0 too
  for (let w = 0; w < Math.min(unique.length, limit); w++) void worker();
  return slots.map((slot) => results[slot]!);
}

/** startChecks, waiting for every result. */
export function runChecks(targets: ProbeTarget[], opts: RunChecksOptions): Promise<ProbeResult[]> {
  return Promise.all(startChecks(targets, opts));
}

/** Same address and same check; command checks also see the record name (DNSFAIL_NAME), so it counts too. */
function identityOf({ address, check, recordName }: ProbeTarget): string {
  return JSON.stringify(check.type === 'command' ? [address, check, recordName] : [address, check]);
}
