/**
 * Typed provider failures. The retry policy (providers/retry.ts) reads only these kinds:
 * transient and rate-limited retry; auth and lockout never do.
 */
export type ProviderErrorKind = 'auth' | 'rate-limited' | 'transient' | 'lockout' | 'conflict' | 'fatal';

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  /** For rate-limited: how long the provider asked us to wait. */
  readonly retryAfterMs?: number;
  /** For lockout: the provider's exact code (e.g. DynDNS2 `badauth`). */
  readonly code?: string;
  constructor(kind: ProviderErrorKind, message: string, opts: { retryAfterMs?: number; code?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
    if (opts.code !== undefined) this.code = opts.code;
  }
}

export const isProviderError = (e: unknown): e is ProviderError => e instanceof ProviderError;
