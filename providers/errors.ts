import { DnsfailError } from '../src/errors.js';

/**
 * Typed provider failures, under dnsfail's one error root (a run that fails on one exits 1 with its
 * message, never as a bug). The retry policy (providers/retry.ts) reads only these kinds:
 * transient and rate-limited retry; auth and lockout never do.
 */
export type ProviderErrorKind = 'auth' | 'rate-limited' | 'transient' | 'lockout' | 'conflict' | 'fatal';

export class ProviderError extends DnsfailError {
  readonly kind: ProviderErrorKind;
  /** For rate-limited: how long the provider asked us to wait. */
  readonly retryAfterMs?: number;
  /** For lockout: the provider's exact code (e.g. DynDNS2 `badauth`). */
  readonly code?: string;
  constructor(kind: ProviderErrorKind, message: string, opts: { retryAfterMs?: number; code?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
    if (opts.code !== undefined) this.code = opts.code;
  }
}

export const isProviderError = (e: unknown): e is ProviderError => e instanceof ProviderError;

const KINDS: readonly string[] = ['auth', 'rate-limited', 'transient', 'lockout', 'conflict', 'fatal'];

/** A third-party provider cannot import this class: an Error with a known `kind` counts as one. */
export function asProviderError(e: unknown): unknown {
  if (e instanceof ProviderError || !(e instanceof Error)) return e;
  const o = e as Error & { kind?: unknown; retryAfterMs?: unknown; code?: unknown };
  if (typeof o.kind !== 'string' || !KINDS.includes(o.kind)) return e;
  return new ProviderError(o.kind as ProviderErrorKind, e.message, {
    ...(typeof o.retryAfterMs === 'number' ? { retryAfterMs: o.retryAfterMs } : {}),
    ...(typeof o.code === 'string' ? { code: o.code } : {}),
    cause: e,
  });
}
