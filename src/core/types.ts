/** Pure data shared by the decision core. Nothing here touches the world. */

import type { AddressType } from '../../providers/kit/types.js';

/** A managed record holds addresses (providers also handle TXT, for the votes). */
export type RecordType = AddressType;
export type ServerState = 'up' | 'down' | 'unknown';
export type Strategy = 'failover' | 'all';
export type Failback = 'auto' | 'sticky';

export interface ServerRef {
  address: string;
  label?: string;
}

/** What one run's probe saw for one server. */
export interface Observation {
  address: string;
  healthy: boolean;
  latencyMs: number;
  error?: string;
  /** What a healthy probe saw ("HTTP 301"). */
  detail?: string;
}

/** Persisted per server, per record: enough for fall/rise hysteresis. */
export interface ServerHistory {
  state: ServerState;
  okStreak: number;
  failStreak: number;
  lastProbeAt?: string;
  lastLatencyMs?: number;
  lastError?: string;
}

export interface RecordHistory {
  servers: Record<string, ServerHistory>;
  /** What dnsfail last wrote (or confirmed) for this record; stands in for read() on write-only providers. */
  published?: string[];
  lastChange?: { at: string; from: string[]; to: string[]; reason: string };
  /** Outcome of the last run that reached a decision: tells a new all-down or a recovery from a repeated one. */
  lastOutcome?: Outcome;
  /** Writes that replaced a published value (the first creation is not a failover). */
  failovers?: number;
}

export interface RecordPolicy {
  name: string;
  type: RecordType;
  strategy: Strategy;
  /** With strategy "all": publish at most this many addresses. */
  max?: number;
  fall: number;
  rise: number;
  failback: Failback;
  /** "keep" leaves the record alone; otherwise an IP literal to publish when nothing is up. */
  onAllDown: 'keep' | string;
  servers: ServerRef[];
}

export interface ServerView extends ServerRef {
  state: ServerState;
  healthy: boolean | null;
  latencyMs: number | null;
  error?: string;
  detail?: string;
  okStreak: number;
  failStreak: number;
  /** With several checkers (vantage): this checker's own view, and the fresh votes that say down and up. `state` is then the quorum's. */
  votes?: { own: ServerState; down: number; up: number };
}

export type Outcome =
  | 'in-sync'       // desired equals current: nothing to write
  | 'change'        // desired differs: write it
  | 'ttl'           // the addresses are right, the TTL is not: correct it in place
  | 'waiting'       // servers are up but none that the record lacks passed its latest probe: leave the record
  | 'all-down'      // nothing up, onAllDown keep: leave the record
  | 'fallback'      // nothing up, publish the onAllDown address (may also be in sync)
  | 'no-quorum';    // several checkers: fewer fresh votes than the quorum needs: leave the record

export interface Decision {
  outcome: Outcome;
  /** Values the record should hold; equals current when nothing should change. null: leave it (missing record and nothing to publish). */
  desired: string[] | null;
  changed: boolean;
  reason: string;
  servers: ServerView[];
  next: RecordHistory;
}
