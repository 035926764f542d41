import { sameAddressSet } from '../../providers/kit/ip.js';
import type { CurrentRecord, WriteItem } from '../../providers/kit/types.js';
import type { RecordType } from './types.js';
import type { Decision } from './types.js';

/**
 * What a run does to a record, fixed before anything is written:
 * - create: the record holds no address (it is missing, or nothing is known of it);
 * - replace: it holds other addresses;
 * - ttl: it holds the right addresses with another TTL (corrected in place);
 * - none: nothing is written.
 */
export type ChangeKind = 'create' | 'replace' | 'ttl' | 'none';

/**
 * One record's entry of a run's plan (octoDNS `plan()`, external-dns `plan.Calculate()`). The writer
 * sends `write` and nothing else; dry-run, --json and the GitHub summary print the same entry, so a
 * dry run shows exactly what a real run sends.
 */
export interface RecordPlan {
  name: string;
  type: RecordType;
  provider: string;
  /** What the record holds before this run (null: missing, or unknown when the provider cannot be read). */
  current: string[] | null;
  /** What it should hold; null when it is to be left alone (nothing to publish, or refused). */
  desired: string[] | null;
  change: ChangeKind;
  reason: string;
  /** The TTL the record should have (after the provider's clamping) and, where the provider tells it, the one it has. */
  ttl: { current?: number; wanted: number };
  /** The provider call that carries the change out; null when change is none. */
  write: WriteItem | null;
}

/** The record a plan is made for: its name and type, the provider that serves it and the TTL its config asks for. */
export interface PlanTarget {
  name: string;
  type: RecordType;
  provider: string;
  ttl: number;
}

/** The kind of change a decision calls for, given what the record holds. */
export function changeKind(decision: Pick<Decision, 'changed' | 'desired'>, current: readonly string[] | null): ChangeKind {
  if (!decision.changed || !decision.desired) return 'none';
  if (!current?.length) return 'create';
  return sameAddressSet(current, decision.desired) ? 'ttl' : 'replace';
}

/**
 * The plan of one record from its decision and what a read returned in this run (null: missing or
 * unknown). The write asks for the config's TTL and passes the read value on for compare-and-set.
 */
export function planRecord(target: PlanTarget, decision: Pick<Decision, 'changed' | 'desired' | 'reason'>, current: CurrentRecord | null, ttl: RecordPlan['ttl']): RecordPlan {
  const values = current?.values ?? null;
  const change = changeKind(decision, values);
  const ref = { name: target.name, type: target.type };
  return {
    ...ref,
    provider: target.provider,
    current: values,
    desired: decision.desired,
    change,
    reason: decision.reason,
    ttl,
    write: change === 'none' ? null : { ref, req: { values: decision.desired!, ttl: target.ttl, previous: current } },
  };
}

/** The plan of a record that must be left alone (a hold, a failed read, a CNAME at the name …): nothing to write, and why. */
export function refusedPlan(target: PlanTarget, current: readonly string[] | null, ttl: RecordPlan['ttl'], why: string): RecordPlan {
  return { name: target.name, type: target.type, provider: target.provider, current: current ? [...current] : null, desired: null, change: 'none', reason: `nothing written: ${why}`, ttl, write: null };
}
