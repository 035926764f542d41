import type { Observation, ServerHistory } from './types.js';

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
