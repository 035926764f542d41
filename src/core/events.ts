import type { Outcome, RecordType, ServerView } from './types.js';

export type EventKind = 'change' | 'all-down' | 'recovery' | 'error' | 'quorum-lost';

/** Something worth telling a human about: sent to notifiers, logged by watch, annotated on GitHub. */
export interface RecordEvent {
  kind: EventKind;
  name: string;
  type: RecordType;
  old: string[] | null;
  new: string[] | null;
  reason: string;
  servers: ServerView[];
}

interface RunRecord {
  name: string;
  type: RecordType;
  current: string[] | null;
  desired: string[] | null;
  written: boolean;
  outcome: Outcome | 'error';
  reason: string;
  error?: string;
  servers: ServerView[];
}

const isAllDown = (o: Outcome | 'error' | undefined) => o === 'all-down' || o === 'fallback';

/**
 * At most one event per record per run, and only on a transition: entering all-down, leaving it, losing the quorum of several checkers
 * (recovery), or a write that moved the record (a TTL correction tells no one). A record that stays all-down, or stays in sync, says nothing again.
 */
export function eventsOfRun(records: readonly RunRecord[], previousOutcome: (r: RunRecord) => Outcome | undefined): RecordEvent[] {
  const events: RecordEvent[] = [];
  for (const r of records) {
    const before = previousOutcome(r);
    const base = { name: r.name, type: r.type, old: r.current, new: r.written ? r.desired : r.current, servers: r.servers };
    if (r.outcome === 'error') events.push({ ...base, kind: 'error', new: r.current, reason: r.error ?? r.reason });
    else if (r.outcome === 'no-quorum') {
      if (before !== 'no-quorum') events.push({ ...base, kind: 'quorum-lost', reason: r.reason });
    }
    else if (isAllDown(r.outcome) && !isAllDown(before)) events.push({ ...base, kind: 'all-down', reason: r.reason });
    else if (!isAllDown(r.outcome) && isAllDown(before)) events.push({ ...base, kind: 'recovery', reason: r.reason });
    else if (r.written && r.outcome !== 'ttl') events.push({ ...base, kind: 'change', reason: r.reason });
  }
  return events;
}
