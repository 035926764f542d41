import type { RecordEvent } from '../core/events.js';
import type { RecordPlan } from '../core/plan.js';
import type { Outcome, ServerView } from '../core/types.js';

/** A record's plan (what the run decided to do to it) and what became of it. */
export interface RecordReport extends Omit<RecordPlan, 'write'> {
  /** The record should change (in a dry run: would change): change is not none. */
  changed: boolean;
  /** A write was made and succeeded in this run. */
  written: boolean;
  outcome: Outcome | 'error';
  error?: string;
  servers: ServerReport[];
  /** Several checkers: each peer's vote as this run judged it (this checker's own included). */
  votes?: Array<{ id: string; counted: boolean; ageS?: number; problem?: string }>;
  /** Several checkers: this checker's vote was written in this run (absent: none was due, or a dry run). */
  voteWritten?: boolean;
}

export interface ServerReport extends ServerView {
  /** Probes of the server in this run: more than 1 when failures were confirmed (fastInterval). */
  probes: number;
  /** Milliseconds from the start of each probe to the start of the next (probes − 1 values). */
  probeGapsMs: number[];
}

export interface RunReport {
  dryRun: boolean;
  startedAt: string;
  durationMs: number;
  records: RecordReport[];
  warnings: string[];
  /** Transitions worth telling (one per record at most): change, all-down, recovery, error. */
  events: RecordEvent[];
  exitCode: number;
}

/** The report of one record: its plan, the outcome, and each server's view with the probes it had in this run. */
export function recordReport(plan: RecordPlan, result: { outcome: Outcome | 'error'; written: boolean; error?: string }, servers: ServerView[], starts: number[][]): RecordReport {
  const { write: _write, ...planned } = plan;
  return {
    ...planned,
    changed: plan.change !== 'none',
    ...result,
    servers: servers.map((v, i) => ({ ...v, probes: starts[i]!.length, probeGapsMs: starts[i]!.slice(1).map((t, k) => Math.round(t - starts[i]![k]!)) })),
  };
}
