import { canonicalIp, ipFamily } from '../kit/ip.js';
import { ProviderError } from '../kit/errors.js';

/** Answers after which nothing may be sent until a human changes something (Dyn's rule: a failed update is fatal). */
export const LOCKOUT_CODES: Readonly<Record<string, string>> = {
  badauth: 'the username or password was rejected',
  '!donator': 'the request used a feature of paid accounts only',
  notfqdn: 'the hostname is not a fully qualified domain name',
  nohost: 'the hostname does not exist in this account',
  '!yours': 'the hostname exists but belongs to another account',
  numhost: 'too many hostnames in one request',
  abuse: 'the hostname is blocked for abuse (too many updates that changed nothing)',
  badagent: 'the User-Agent was rejected',
  badsys: 'the system parameter is invalid',
};

/** `911` and `dnserr`: retry no sooner than this (No-IP asks 30 minutes for 911; see presets). */
export const OUTAGE_BACKOFF_MS = 10 * 60_000;

/** Hurricane Electric's `interval`: updates come too often; a cooldown, not a lockout. */
export const INTERVAL_BACKOFF_MS = 10 * 60_000;

const OUTAGE: Readonly<Record<string, string>> = {
  '911': 'the service has an outage',
  dnserr: 'the service had a DNS error',
};

const WAIT_UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;

export interface AnswerLine {
  /** First word of the line, as sent. */
  code: string;
  /** The rest of the line (the IP after good/nochg). */
  rest: string;
}

/** One line per hostname, blank lines ignored; the code is the line's first whitespace-separated word. */
export function parseAnswerLines(body: string): AnswerLine[] {
  return body
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const [code = '', ...rest] = l.split(/\s+/);
      return { code, rest: rest.join(' ') };
    });
}

export interface AnswerContext {
  /** Hostnames sent, in request order. */
  hostnames: string[];
  /** Backoff for `911`; OUTAGE_BACKOFF_MS when absent. */
  outageBackoffMs?: number;
  /** Prefix of messages, e.g. "dyndns2 GET /nic/update". */
  where: string;
  /** The address sent: a good/nochg that echoes another address is not success. */
  sent?: string;
  /** A preset's own success line (ChangeIP: `200 Successful Update`). */
  successLine?: RegExp;
}

/**
 * The error an /nic/update answer means, or null when every hostname answered good/nochg.
 * Codes match whole words only ("goodbye" is not "good"). Messages carry the code, never the body.
 */
export function errorForAnswer(body: string, ctx: AnswerContext): ProviderError | null {
  const all = parseAnswerLines(body);
  // One hostname sent: the first line is its answer; extra lines (`good\ngood`) do not fail every run
  // (sendUpdate warns of them).
  const lines = ctx.hostnames.length === 1 ? all.slice(0, 1) : all;
  if (lines.length === 0) return new ProviderError('fatal', `${ctx.where}: empty answer (expected good/nochg or an error code)`);
  for (const [i, line] of lines.entries()) {
    if (ctx.successLine?.test(`${line.code} ${line.rest}`.trim())) continue;
    if (isSuccess(line.code)) {
      const echoed = echoedAddressMismatch(line, ctx.sent);
      if (echoed) {
        // Dyn answers `good 127.0.0.1` to a request it ignores: the record was not changed.
        return new ProviderError('fatal', `${ctx.where}: answered ${line.code} ${echoed} but ${ctx.sent} was sent; the service did not take the update (it holds ${echoed})`, { code: line.code });
      }
      continue;
    }
    // A single line is an account-level answer for every hostname; otherwise line i is hostname i.
    const host = lines.length === ctx.hostnames.length ? ctx.hostnames[i] : undefined;
    return errorForCode(line.code, host ? `${ctx.where} for ${host}` : ctx.where, ctx.outageBackoffMs);
  }
  if (lines.length !== ctx.hostnames.length) {
    return new ProviderError('fatal', `${ctx.where}: ${lines.length} results for ${ctx.hostnames.length} hostname(s); not trusting the answer`);
  }
  return null;
}

function isSuccess(code: string): boolean {
  return code === 'good' || code === 'nochg';
}

/** The address a good/nochg line echoes, when it is an address and not the one sent. */
function echoedAddressMismatch(line: AnswerLine, sent: string | undefined): string | null {
  const echoed = line.rest.split(/\s+/)[0] ?? '';
  if (sent === undefined || !ipFamily(echoed)) return null;
  return canonicalIp(echoed) === canonicalIp(sent) ? null : printable(echoed);
}

export function errorForCode(code: string, where: string, outageBackoffMs = OUTAGE_BACKOFF_MS): ProviderError {
  const lockout = LOCKOUT_CODES[code];
  if (lockout) return new ProviderError('lockout', `${where}: answered ${code}: ${lockout}`, { code });
  const outage = OUTAGE[code];
  if (outage) {
    const retryAfterMs = code === '911' ? outageBackoffMs : OUTAGE_BACKOFF_MS;
    return new ProviderError('rate-limited', `${where}: answered ${code}: ${outage}; retrying no sooner than ${retryAfterMs / 60_000} min`, { code, retryAfterMs });
  }
  if (code === 'interval') {
    return new ProviderError('rate-limited', `${where}: answered interval: updates came too often; retrying no sooner than ${INTERVAL_BACKOFF_MS / 60_000} min`, { code, retryAfterMs: INTERVAL_BACKOFF_MS });
  }
  const wait = /^w(\d{1,6})([smh])$/.exec(code);
  if (wait) {
    const retryAfterMs = Number(wait[1]) * WAIT_UNIT_MS[wait[2] as keyof typeof WAIT_UNIT_MS];
    return new ProviderError('rate-limited', `${where}: answered ${code}: asked to wait before the next update`, { code, retryAfterMs });
  }
  // Dyn's rule: an answer we cannot read is a failed update, and a failed update stops all updates
  // until a human looks. A lockout persists that across runs (a fatal error would be retried next run).
  const shown = printable(code);
  return new ProviderError('lockout', `${where}: answered an unknown code ${JSON.stringify(shown)}; not retrying`, { code: shown });
}

/** At most 32 visible ASCII characters, so a strange answer cannot flood or garble a message. */
function printable(code: string): string {
  const clean = code.replace(/[^\x21-\x7e]/g, '?');
  return clean.length > 32 ? `${clean.slice(0, 32)}…` : clean;
}
