import pRetry, { AbortError } from 'p-retry';
import { ProviderError } from './errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** A retry-after longer than this is not waited for in this run: the error is raised instead. */
  maxRetryAfterMs: number;
  /** The whole operation, retries included, ends after this. */
  maxTotalMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 3,
  minDelayMs: 500,
  maxDelayMs: 5000,
  maxRetryAfterMs: 30_000,
  maxTotalMs: 60_000,
};

/**
 * The one retry policy for provider calls: transient errors retry with exponential backoff and
 * jitter; rate-limited ones wait the provider's retry-after (when short enough for this run);
 * auth, lockout, conflict and fatal errors, and anything untyped, never retry.
 */
export async function withRetry<T>(fn: () => Promise<T>, policy: Partial<RetryPolicy> = {}): Promise<T> {
  const p = { ...DEFAULT_RETRY, ...policy };
  // p-retry rethrows an AbortError's original error, so callers see the typed ProviderError.
  return pRetry(
    async () => {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof ProviderError && (e.kind === 'transient' || e.kind === 'rate-limited')) throw e;
        throw new AbortError(e instanceof Error ? e : new Error(String(e)));
      }
    },
    {
      retries: p.retries,
      minTimeout: p.minDelayMs,
      maxTimeout: p.maxDelayMs,
      randomize: true,
      maxRetryTime: p.maxTotalMs,
      onFailedAttempt: async ({ error, retriesLeft }) => {
        if (!(error instanceof ProviderError) || error.kind !== 'rate-limited' || retriesLeft === 0) return;
        const wait = error.retryAfterMs ?? 0;
        if (wait > p.maxRetryAfterMs) throw error;
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      },
    },
  );
}
