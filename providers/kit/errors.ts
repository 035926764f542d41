/** Exit codes are part of the public contract (README "Exit codes"). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  allDown: 3,
  /** Several checkers: fewer fresh votes than the quorum needs, so nothing was changed. */
  noQuorum: 4,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error we expect and can explain: printed as one message (plus hint), never with a stack. */
export class DnsfailError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint?: string;
  constructor(message: string, opts: { exitCode?: ExitCodeValue; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.exitCode = opts.exitCode ?? ExitCode.failure;
    if (opts.hint !== undefined) this.hint = opts.hint;
  }
}

/**
 * Typed provider failures, under the one error root above (a run that fails on one exits 1 with its
 * message, never as a bug). The retry policy (providers/kit/retry.ts) reads only these kinds:
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
