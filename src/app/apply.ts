import type { Provider } from '../../providers/kit/types.js';
import type { Config } from '../config/types.js';
import type { RecordPlan } from '../core/plan.js';
import type { Decision, RecordHistory } from '../core/types.js';
import { WriteBatcher } from './write-batcher.js';

/** What became of a plan's write: sent and done, failed (with the provider's error), or not sent (no change, or a dry run). */
export interface Applied {
  written: boolean;
  error?: unknown;
}

/** One batcher per provider, expecting one applyPlan call from each of its records. */
export function batchersFor(config: Config, providers: Record<string, Provider>, windowMs: number): Map<string, WriteBatcher> {
  const batchers = new Map<string, WriteBatcher>();
  for (const id of new Set(config.records.map((r) => r.provider))) {
    batchers.set(id, new WriteBatcher(providers[id]!, config.records.filter((r) => r.provider === id).length, windowMs));
  }
  return batchers;
}

/**
 * Carries out one record's plan: its write joins the provider's batch. A plan without a write, or any
 * plan in a dry run, sends nothing and tells the batcher so, which then need not wait for the record.
 * Call it exactly once per record.
 */
export function applyPlan(plan: RecordPlan, batcher: WriteBatcher, dryRun: boolean): Promise<Applied> {
  if (!plan.write || dryRun) {
    batcher.skip();
    return Promise.resolve({ written: false });
  }
  return batcher.submit(plan.write).then((r) => (r.ok ? { written: true } : { written: false, error: r.error }));
}

/**
 * What the state file keeps of a record after the run: the servers' counts always; `published` only
 * when the record is known to hold it (written now, or found in sync); a failover only for a replace.
 * `applied` null: the record was left alone, so its last outcome stays the one of the last run that decided.
 */
export function historyAfter(prev: RecordHistory | undefined, decision: Decision, plan: RecordPlan, applied: Applied | null, now: Date): RecordHistory {
  const history: RecordHistory = { ...decision.next, lastOutcome: decision.outcome };
  if (!applied) {
    if (prev?.lastOutcome) history.lastOutcome = prev.lastOutcome;
    else delete history.lastOutcome;
  } else if (applied.written) {
    history.published = plan.desired!;
    if (plan.change === 'replace') history.failovers = (prev?.failovers ?? 0) + 1;
    history.lastChange = { at: now.toISOString(), from: plan.current ?? [], to: plan.desired!, reason: decision.reason };
  } else if (plan.change === 'none' && plan.desired) {
    history.published = plan.desired;
  }
  return history;
}
