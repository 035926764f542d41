import { probe } from './probe.js';
import type { ProbeResult, ProbeTarget } from './types.js';

export interface RunChecksOptions {
  /** Probes in flight at once (at least 1). */
  concurrency: number;
  signal?: AbortSignal;
}

/**
 * Probes all targets, at most `concurrency` at a time, and returns results in target order.
 * Identical targets are probed once and share the result.
 */
export async function runChecks(targets: ProbeTarget[], opts: RunChecksOptions): Promise<ProbeResult[]> {
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

  const results = new Array<ProbeResult>(unique.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < unique.length) {
      const i = next++;
      results[i] = await probe(unique[i]!, opts.signal);
    }
  };
  const limit = opts.concurrency >= 1 ? Math.floor(opts.concurrency) : 1; // NaN and 0 too
  const workers = Math.min(unique.length, limit);
  await Promise.all(Array.from({ length: workers }, worker));
  return slots.map((slot) => results[slot]!);
}

/** Same address and same check; command checks also see the record name (DNSFAIL_NAME), so it counts too. */
function identityOf({ address, check, recordName }: ProbeTarget): string {
  return JSON.stringify(check.type === 'command' ? [address, check, recordName] : [address, check]);
}
