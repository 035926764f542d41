import { ProviderError } from '../../providers/kit/errors.js';
import { formatDuration } from '../../providers/kit/duration.js';
import { redact } from '../../providers/kit/redact.js';

/**
 * A persisted reason not to call a provider for a record:
 * - lockout: the provider said stop (DynDNS2 badauth, abuse, …). No request is made until the
 *   provider's config changes or the user runs `dnsfail unlock`.
 * - backoff: the provider asked us to wait (HTTP 429 retry-after, DynDNS2 911/dnserr) longer than a run.
 */
export interface Hold {
  kind: 'lockout' | 'backoff';
  code?: string;
  message: string;
  since: string;
  /** backoff: ISO time after which calls resume. */
  until?: string;
  /** lockout: salted scrypt of the provider config at the time, so editing the config lifts it. Never the config itself. */
  configSalt?: string;
  configHash?: string;
}

export const holdKey = (providerId: string, recordKey: string) => `${providerId}/${recordKey}`;

// Loaded here, not imported: only runs with a lockout need node:crypto, and loading it is a noticeable part of a cron run's start-up.
const crypto = () => process.getBuiltinModule('node:crypto');

function fingerprint(settings: unknown, salt: Buffer): Buffer {
  return crypto().scryptSync(JSON.stringify(settings), salt, 16, { N: 1024 });
}

/** Still in force? A lockout ends when the provider's config changed; a backoff when its time is up. */
export function holdApplies(hold: Hold, settings: unknown, now: Date): boolean {
  if (hold.kind === 'backoff') return hold.until !== undefined && Date.parse(hold.until) > now.getTime();
  if (!hold.configSalt || !hold.configHash) return true;
  const h = fingerprint(settings, Buffer.from(hold.configSalt, 'hex'));
  return crypto().timingSafeEqual(h, Buffer.from(hold.configHash, 'hex'));
}

/** The hold a provider error calls for, if any. */
export function holdFromError(e: unknown, settings: unknown, now: Date, message: string): Hold | undefined {
  if (!(e instanceof ProviderError)) return undefined;
  if (e.kind === 'lockout') {
    const salt = crypto().randomBytes(8);
    return {
      kind: 'lockout',
      ...(e.code ? { code: e.code } : {}),
      message,
      since: now.toISOString(),
      configSalt: salt.toString('hex'),
      configHash: fingerprint(settings, salt).toString('hex'),
    };
  }
  if (e.kind === 'rate-limited' && e.retryAfterMs !== undefined) {
    return { kind: 'backoff', ...(e.code ? { code: e.code } : {}), message, since: now.toISOString(), until: new Date(now.getTime() + e.retryAfterMs).toISOString() };
  }
  return undefined;
}

/** Why a record is left alone in this run, and the hold to persist for it, if any. */
export interface Refusal {
  message: string;
  hold?: Hold;
}

/** The refusal a failed provider call (`what`: "cannot read the record", "write failed") calls for: a hold when the provider said stop or wait. */
export function refusalOf(e: unknown, what: string, ctx: { settings: unknown; unlock: string }, at: Date): Refusal {
  const message = `${what}: ${redact(e instanceof Error ? e.message : String(e))}`;
  const hold = holdFromError(e, ctx.settings, at, message);
  return { message: hold ? describeHold(hold, ctx.unlock) : message, ...(hold ? { hold } : {}) };
}

/** `unlock` is the exact command that lifts the hold (the CLI adds -c/--state when the run used them). */
export function describeHold(h: Hold, unlock = 'dnsfail unlock'): string {
  const code = h.code && !h.message.includes(h.code) ? ` (provider answered ${h.code})` : '';
  if (h.kind === 'lockout') {
    return `locked out since ${h.since}${code}: ${h.message}; no request is made until the provider's config changes or you run \`${unlock}\``;
  }
  return `backing off for ${backoffLength(h)} (until ${h.until})${code}: ${h.message}; \`${unlock}\` lifts it now`;
}

/** The whole wait a backoff applies (the provider's Retry-After, or its documented block): "45s", "2m", "90m". */
function backoffLength(h: Hold): string {
  const ms = Date.parse(h.until ?? '') - Date.parse(h.since);
  if (!Number.isFinite(ms)) return 'an unknown time';
  // Whole seconds below two minutes; above, whole minutes (rounded up, so it is never shorter than said).
  return formatDuration(ms < 120_000 ? Math.max(0, Math.round(ms / 1000)) * 1000 : Math.ceil(ms / 60_000) * 60_000);
}
