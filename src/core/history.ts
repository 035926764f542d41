import type { Observation, RecordHistory, ServerHistory } from './types.js';

export const UNKNOWN: ServerHistory = { state: 'unknown', okStreak: 0, failStreak: 0 };

/**
 * Fall/rise hysteresis. A server with no history takes its first probe's result; after that an up
 * server goes down only after `fall` consecutive failures, and a down one comes up only after `rise`
 * consecutive successes. No observation leaves the history as it was: unknown never means down.
 */
export function nextServerHistory(
  prev: ServerHistory | undefined,
  obs: Observation | undefined,
  limits: { fall: number; rise: number },
  now: Date,
): ServerHistory {
  const before = prev ?? UNKNOWN;
  if (!obs) return before;
  const ok = obs.healthy;
  const okStreak = ok ? before.okStreak + 1 : 0;
  const failStreak = ok ? 0 : before.failStreak + 1;
  let state = before.state;
  if (state === 'unknown') state = ok ? 'up' : 'down';
  else if (state === 'up' && failStreak >= limits.fall) state = 'down';
  else if (state === 'down' && okStreak >= limits.rise) state = 'up';
  return {
    state,
    okStreak,
    failStreak,
    lastProbeAt: now.toISOString(),
    lastLatencyMs: Math.round(obs.latencyMs),
    ...(ok || obs.error === undefined ? {} : { lastError: obs.error }),
  };
}

/** Several observations of one server in this run, oldest first, each through the hysteresis in turn. */
export function foldHistory(
  prev: ServerHistory | undefined,
  observations: readonly Observation[],
  limits: { fall: number; rise: number },
  now: Date,
): ServerHistory {
  return observations.reduce<ServerHistory>((h, obs) => nextServerHistory(h, obs, limits, now), prev ?? UNKNOWN);
}

/**
 * A server still counted up whose latest probe failed: a confirming probe (fastInterval) decides
 * sooner whether it is down. A down or unknown server, or one whose latest probe passed, needs none.
 */
export function awaitsConfirmation(h: ServerHistory, fall: number): boolean {
  return h.state === 'up' && h.failStreak > 0 && h.failStreak < fall;
}

/**
 * Failed probes in a row that would end this server's run of probes when every one fails: with
 * confirming probes, enough to count an up server down; without, the single probe of the run.
 */
export function failuresToSettle(h: ServerHistory | undefined, fall: number, confirming: boolean): number {
  if (!confirming || !h || h.state !== 'up') return 1;
  return Math.max(1, fall - h.failStreak);
}

/**
 * The record's history after the first `countOf(i)` observations of each server i in this run
 * (servers in policy order): the history the next observation is judged against. prev itself when
 * none are counted.
 */
export function priorHistory(
  prev: RecordHistory | undefined,
  policy: { fall: number; rise: number; servers: readonly { address: string }[] },
  observations: readonly (readonly Observation[])[],
  countOf: (i: number) => number,
  now: Date,
): RecordHistory | undefined {
  if (policy.servers.every((_, i) => countOf(i) <= 0)) return prev;
  const servers = { ...prev?.servers };
  policy.servers.forEach(({ address }, i) => {
    if (countOf(i) > 0) servers[address] = foldHistory(servers[address], observations[i]!.slice(0, countOf(i)), policy, now);
  });
  return { ...prev, servers };
}
