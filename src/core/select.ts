import { canonicalIp, sameAddressSet } from '../util/ip.js';
import { nextServerHistory } from './history.js';
import type { Decision, Observation, RecordHistory, RecordPolicy, ServerHistory, ServerRef, ServerView } from './types.js';

/**
 * The whole decision for one record, pure: previous history + this run's observations + what the
 * record holds now → what it should hold, why, and the history to persist.
 * `current` is null when the record does not exist (or nothing is known of it).
 */
export function decideRecord(
  policy: RecordPolicy,
  prev: RecordHistory | undefined,
  observations: readonly Observation[],
  current: readonly string[] | null,
  now: Date,
  opts: {
    /** current is null because nothing can be known (a write-only provider, no state yet), not because the record is missing. */
    currentUnknown?: boolean;
    /** false: leave `reason` empty (a what-if decision that only needs what to publish). */
    explain?: boolean;
  } = {},
): Decision {
  const byAddress = new Map(observations.map((o) => [canonicalIp(o.address), o]));
  const servers: Record<string, ServerHistory> = {};
  const views: ServerView[] = policy.servers.map((s) => {
    const obs = byAddress.get(s.address);
    const h = nextServerHistory(prev?.servers[s.address], obs, policy, now);
    servers[s.address] = h;
    return {
      ...s,
      state: h.state,
      healthy: obs ? obs.healthy : null,
      latencyMs: obs ? Math.round(obs.latencyMs) : null,
      ...(obs?.error !== undefined && !obs.healthy ? { error: obs.error } : {}),
      ...(obs?.detail !== undefined && obs.healthy ? { detail: obs.detail } : {}),
      okStreak: h.okStreak,
      failStreak: h.failStreak,
    };
  });
  const next: RecordHistory = { ...prev, servers };
  const cur = current ? current.map(canonicalIp) : null;
  const up = views.filter((v) => v.state === 'up');

  if (up.length === 0) {
    if (policy.onAllDown === 'keep') {
      return { outcome: 'all-down', desired: cur, changed: false, reason: 'no server is up; keeping the record as it is (onAllDown: keep)', servers: views, next };
    }
    const fallback = [policy.onAllDown];
    const changed = cur === null || !sameAddressSet(cur, fallback);
    const reason = changed ? `no server is up; publishing the onAllDown fallback ${policy.onAllDown}` : 'no server is up; the onAllDown fallback is already published';
    return { outcome: 'fallback', desired: fallback, changed, reason, servers: views, next };
  }

  const desired = policy.strategy === 'all' ? up.slice(0, policy.max ?? up.length).map((v) => v.address) : [pickFailover(policy, up, cur)];
  const changed = cur === null || !sameAddressSet(cur, desired);
  return {
    outcome: changed ? 'change' : 'in-sync',
    desired,
    changed,
    reason: opts.explain === false ? '' : explain(policy, views, cur, desired, changed, opts.currentUnknown ?? false),
    servers: views,
    next,
  };
}

function pickFailover(policy: RecordPolicy, up: ServerView[], cur: string[] | null): string {
  if (policy.failback === 'sticky' && cur?.length === 1) {
    const active = up.find((v) => v.address === cur[0]);
    if (active) return active.address;
  }
  return up[0]!.address;
}

export function describeServer(s: ServerRef): string {
  return s.label ? `${s.address} (${s.label})` : s.address;
}

function explain(policy: RecordPolicy, views: ServerView[], cur: string[] | null, desired: string[], changed: boolean, currentUnknown: boolean): string {
  const view = (a: string) => views.find((v) => v.address === a);
  const name = (a: string) => {
    const v = view(a);
    return v ? describeServer(v) : a;
  };
  const why = (v: ServerView) => `${describeServer(v)} is down${v.error ? ` (${v.error})` : v.failStreak ? ` (${v.failStreak} failed probes)` : ''}`;

  if (!changed) {
    if (policy.strategy === 'failover' && policy.failback === 'sticky') {
      const higher = views.find((v) => v.state === 'up');
      if (higher && higher.address !== desired[0]) return `in sync; sticky failback stays on ${name(desired[0]!)} although ${name(higher.address)} is up`;
    }
    return 'in sync';
  }
  if (cur === null && currentUnknown) return `what the record holds is unknown (the provider cannot be read and there is no state yet); publishing ${desired.map(name).join(', ')}`;
  if (cur === null) return `record is missing; publishing ${desired.map(name).join(', ')}`;
  if (policy.strategy === 'all') {
    const gone = cur.filter((a) => !desired.includes(a)).map((a) => (view(a) ? why(view(a)!) : `${a} is not in the server queue`));
    const back = desired.filter((a) => !cur.includes(a)).map((a) => `${name(a)} is up`);
    return [...gone, ...back].join('; ');
  }
  const chosen = view(desired[0]!)!;
  const was = cur.length === 1 ? view(cur[0]!) : undefined;
  if (!was) return `record holds ${cur.join(', ') || 'nothing'}, not a server of the queue; ${describeServer(chosen)} is the first server up`;
  if (was.state !== 'up') return `${why(was)}; ${describeServer(chosen)} is the first server up`;
  const rank = (a: string) => views.findIndex((v) => v.address === a);
  if (rank(chosen.address) < rank(was.address)) return `${describeServer(chosen)} is up again (failback: auto)`;
  return `${describeServer(chosen)} is the first server up`;
}
