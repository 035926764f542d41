import type { RecordEvent } from '../core/events.js';
import type { Outcome, RecordType, ServerView } from '../core/types.js';

export interface RecordReport {
  name: string;
  type: RecordType;
  provider: string;
  /** What the record held before this run (null: missing, or unknown when the provider cannot be read). */
  current: string[] | null;
  desired: string[] | null;
  /** The record should change (in a dry run: would change). */
  changed: boolean;
  /** A write was made and succeeded in this run. */
  written: boolean;
  outcome: Outcome | 'error';
  reason: string;
  error?: string;
  servers: ServerReport[];
  /** The TTL the record should have (after the provider's clamping) and, where the provider tells it, the one it has. */
  ttl: { current?: number; wanted: number };
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
