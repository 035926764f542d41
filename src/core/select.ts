import { canonicalIp, sameAddressSet } from '../../providers/kit/ip.js';
import { nextServerHistory } from './history.js';
import { applyQuorum, freshVotes, type Quorum } from './quorum.js';
import type { Decision, Observation, RecordHistory, RecordPolicy, ServerHistory, ServerRef, ServerView } from './types.js';

/**
 * The whole decision for one record, pure: previous history + this run's observations + what the
 * record holds now → what it should hold, why, and the history to persist.
 * `current` is null when the record does not exist (or nothing is known of it).
 *
 * The safety rule: `fall` only delays moving *away* from a published server. A server that the
 * record does not hold yet is published only when it is up and its latest probe passed.
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
    /** The TTL the record has now and the one it should have (after the provider's clamping); a difference alone is a TTL change. */
    ttl?: { current?: number; wanted: number };
    /** Several checkers: servers count down only when enough fresh votes say so (src/core/quorum.ts). */
    quorum?: Quorum;
  } = {},
): Decision {
  const byAddress = new Map(observations.map((o) => [canonicalIp(o.address), o]));
  const servers: Record<string, ServerHistory> = {};
  const own: ServerView[] = policy.servers.map((s) => {
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
  const q = opts.quorum;
  if (q && freshVotes(q) < q.needed) {
    const reason = `only ${freshVotes(q)} of the ${q.needed} fresh votes the quorum needs (${q.absent.join('; ')}); changing nothing`;
    return { outcome: 'no-quorum', desired: cur, changed: false, reason, servers: own, next };
  }
  const views = q ? applyQuorum(own, q) : own;
  const ttlDiffers = opts.ttl?.current !== undefined && opts.ttl.current !== opts.ttl.wanted;
  const ttlText = () => `TTL is ${opts.ttl!.current}s, the config says ${opts.ttl!.wanted}s`;
  const up = views.filter((v) => v.state === 'up');

  if (up.length === 0) {
    if (policy.onAllDown === 'keep') {
      return { outcome: 'all-down', desired: cur, changed: false, reason: 'no server is up; keeping the record as it is (onAllDown: keep)', servers: views, next };
    }
    const fallback = [policy.onAllDown];
    const moves = cur === null || !sameAddressSet(cur, fallback);
    const changed = moves || ttlDiffers;
    const reason = moves
      ? `no server is up; publishing the onAllDown fallback ${policy.onAllDown}`
      : `no server is up; the onAllDown fallback is already published${ttlDiffers ? `; ${ttlText()}` : ''}`;
    return { outcome: 'fallback', desired: fallback, changed, reason, servers: views, next };
  }

  const publishable = up.filter((v) => v.okStreak > 0 || cur?.includes(v.address));
  if (publishable.length === 0) {
    const reason = `no server that is up passed its latest probe (${up.map(failedText).join('; ')}); keeping the record as it is until one passes or is counted down`;
    return { outcome: 'waiting', desired: cur, changed: false, reason, servers: views, next };
  }

  const desired = policy.strategy === 'all' ? publishable.slice(0, policy.max ?? publishable.length).map((v) => v.address) : [pickFailover(policy, publishable, cur)];
  const moves = cur === null || !sameAddressSet(cur, desired);
  if (!moves && ttlDiffers) {
    return { outcome: 'ttl', desired, changed: true, reason: opts.explain === false ? '' : `${ttlText()}; correcting the TTL in place`, servers: views, next };
  }
  return {
    outcome: moves ? 'change' : 'in-sync',
    desired,
    changed: moves,
    reason: opts.explain === false ? '' : explain(policy, prev, views, cur, desired, moves, opts.currentUnknown ?? false, q),
    servers: views,
    next,
  };
}

function pickFailover(policy: RecordPolicy, publishable: ServerView[], cur: string[] | null): string {
  if (policy.failback === 'sticky' && cur?.length === 1) {
    const active = publishable.find((v) => v.address === cur[0]);
    if (active) return active.address;
  }
  return publishable[0]!.address;
}

export function describeServer(s: ServerRef): string {
  return s.label ? `${s.address} (${s.label})` : s.address;
}

const failedText = (v: ServerView) => `${describeServer(v)} failed${v.error ? `: ${v.error}` : ''}`;

function explain(policy: RecordPolicy, prev: RecordHistory | undefined, views: ServerView[], cur: string[] | null, desired: string[], changed: boolean, currentUnknown: boolean, q?: Quorum): string {
  const view = (a: string) => views.find((v) => v.address === a);
  const name = (a: string) => {
    const v = view(a);
    return v ? describeServer(v) : a;
  };
  const why = (v: ServerView) =>
    v.votes ? `${describeServer(v)} is down (${v.votes.down} votes say so${v.error ? `; here: ${v.error}` : ''})` : `${describeServer(v)} is down${v.error ? ` (${v.error})` : v.failStreak ? ` (${v.failStreak} failed probes)` : ''}`;
  /** "is up again" only for a server this history had counted down. */
  const isUp = (a: string) => `${name(a)} is up${prev?.servers[a]?.state === 'down' ? ' again' : ''}`;

  if (!changed) {
    const outvoted = views.find((v) => v.votes?.own === 'down' && v.state === 'up');
    if (outvoted && q) return `in sync; this checker counts ${describeServer(outvoted)} down, but only ${outvoted.votes!.down} of the ${q.needed} votes needed say so`;
    const skipped = views.find((v) => v.state === 'up' && v.address !== desired[0] && views.indexOf(v) < views.findIndex((w) => w.address === desired[0]));
    if (policy.strategy === 'failover' && skipped) {
      if (policy.failback === 'sticky') return `in sync; sticky failback stays on ${name(desired[0]!)} although ${describeServer(skipped)} is up`;
      if (skipped.okStreak === 0) return `in sync; ${describeServer(skipped)} is not published while its latest probe fails`;
    }
    return 'in sync';
  }
  if (cur === null && currentUnknown) return `what the record holds is unknown (the provider cannot be read and there is no state yet); publishing ${desired.map(name).join(', ')}`;
  if (cur === null) return `record is missing; publishing ${desired.map(name).join(', ')}`;
  if (policy.strategy === 'all') {
    const gone = cur.filter((a) => !desired.includes(a)).map((a) => {
      const v = view(a);
      if (!v) return `${a} is not in the server queue`;
      return v.state === 'up' ? `${describeServer(v)} is up but max: ${policy.max} is reached by servers higher in the queue` : why(v);
    });
    const added = desired.filter((a) => !cur.includes(a)).map(isUp);
    return [...gone, ...added].join('; ');
  }
  const chosen = view(desired[0]!)!;
  const was = cur.length === 1 ? view(cur[0]!) : undefined;
  if (!was) return `record holds ${cur.join(', ') || 'nothing'}, not a server of the queue; ${describeServer(chosen)} is the first server up`;
  if (was.state !== 'up') return `${why(was)}; ${describeServer(chosen)} is the first server up`;
  const rank = (a: string) => views.findIndex((v) => v.address === a);
  if (rank(chosen.address) < rank(was.address)) {
    return prev?.servers[chosen.address]?.state === 'down'
      ? `${describeServer(chosen)} is up again (failback: auto)`
      : `${describeServer(chosen)} is up and first in the queue; the record held ${describeServer(was)} (failback: auto)`;
  }
  return `${describeServer(chosen)} is the first server up`;
}
