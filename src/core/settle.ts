import { sameAddressSet } from '../../providers/kit/ip.js';
import { foldHistory } from './history.js';
import type { Quorum } from './quorum.js';
import { decideRecord } from './select.js';
import type { Decision, Observation, RecordHistory, RecordPolicy } from './types.js';

/**
 * The decision as soon as the probes still running cannot change it, or null while they can.
 * It decides twice, once as if every pending probe succeeds and once as if every one fails: the
 * choice of servers is monotone in their health (a server that may be published stays publishable
 * when its probe passes; first publishable in order, all publishable, sticky on the active one), so
 * when both extremes agree every mixture agrees too. A healthy top server therefore
 * settles the record without waiting for slow or black-holed servers below it.
 * With confirming probes (fastInterval) a pending server may still fail several times in this run:
 * `failuresOf` says how many, and the failing extreme counts it down after all of them (a pass at any
 * point is the passing extreme). `prev` must already hold the run's earlier observations.
 * Only what to publish is settled here, so the decision's reason is left empty (it runs up to twice
 * per probe result); the run's final decision, with every result in, gives the reason.
 */
export function settledDecision(
  policy: RecordPolicy,
  prev: RecordHistory | undefined,
  known: readonly Observation[],
  pending: readonly string[],
  current: readonly string[] | null,
  now: Date,
  ttl?: { current?: number; wanted: number },
  /** Failed probes in a row that end a pending server's probing in this run (default 1). */
  failuresOf: (address: string) => number = () => 1,
  /** Several checkers: the votes of this run (they do not change while it probes). */
  quorum?: Quorum,
): Decision | null {
  const assume = (healthy: boolean): Observation[] => [...known, ...pending.map((address) => ({ address, healthy, latencyMs: 0 }))];
  const opts = { explain: false, ...(ttl ? { ttl } : {}), ...(quorum ? { quorum } : {}) };
  const best = decideRecord(policy, prev, assume(true), current, now, opts);
  if (pending.length === 0) return best;
  const worst = decideRecord(policy, failedBefore(policy, prev, pending, failuresOf, now), assume(false), current, now, opts);
  const same = best.outcome === worst.outcome && (best.desired === null ? worst.desired === null : worst.desired !== null && sameAddressSet(best.desired, worst.desired));
  return same ? worst : null;
}

/** prev with every failure but the last of each pending server's failing run already counted. */
function failedBefore(policy: RecordPolicy, prev: RecordHistory | undefined, pending: readonly string[], failuresOf: (address: string) => number, now: Date): RecordHistory | undefined {
  const more = pending.filter((a) => failuresOf(a) > 1);
  if (more.length === 0) return prev;
  const servers = { ...prev?.servers };
  for (const address of more) {
    const failures = Array.from({ length: failuresOf(address) - 1 }, () => ({ address, healthy: false, latencyMs: 0 }));
    servers[address] = foldHistory(servers[address], failures, policy, now);
  }
  return { ...prev, servers };
}
