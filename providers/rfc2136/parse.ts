import { isIPv4 } from 'node:net';
import { canonicalIp, isIpv6 } from '../kit/ip.js';
import { ProviderError } from '../kit/errors.js';
import type { CurrentRecord, RecordType } from '../kit/types.js';
import type { TsigCheck } from './tsig.js';
import type { ServerAddress } from './transport.js';
import { cnameOf, RCODE, valuesIn, type RawMessage } from './wire.js';

const RCODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(RCODE).map(([k, v]) => [v, k]));
export const rcodeName = (rcode: number): string => RCODE_NAMES[rcode] ?? `RCODE ${rcode}`;

/** "192.0.2.1", "192.0.2.1:5353", "2001:db8::1", "[2001:db8::1]:5353" → address; null for anything else (names included). */
export function parseServer(text: string): ServerAddress | null {
  const port = (p: string | undefined): number | null => {
    if (p === undefined) return 53;
    const n = Number(p);
    return /^\d{1,5}$/.test(p) && n >= 1 && n <= 65535 ? n : null;
  };
  let m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (m) {
    const p = port(m[2]);
    return isIpv6(m[1]!) && p !== null ? { host: canonicalIp(m[1]!), port: p, family: 6 } : null;
  }
  if (isIpv6(text)) return { host: canonicalIp(text), port: 53, family: 6 };
  m = /^([^:]+)(?::(\d+))?$/.exec(text);
  if (m) {
    const p = port(m[2]);
    return isIPv4(m[1]!) && p !== null ? { host: m[1]!, port: p, family: 4 } : null;
  }
  return null;
}

export interface AnswerContext {
  /** check: the update that changes nothing (checkWrite); a failed prerequisite is its success. */
  op: 'query' | 'update' | 'check';
  server: string;
  zone: string;
  name: string;
  type: RecordType;
  /** TSIG key name when the request was signed. */
  keyName?: string;
}

const TSIG_HINTS: Record<string, (ctx: AnswerContext) => string> = {
  BADSIG: () => 'the secret (or algorithm) differs from the server\'s',
  // Knot answers BADKEY both for a key it does not know and for a known key its acl does not allow.
  BADKEY: (ctx) =>
    ctx.op === 'query'
      ? `the server does not know this key name and algorithm, or (Knot) the key is in no acl of zone ${ctx.zone}`
      : `the server may know the key but not allow it to update ${ctx.name}: give the key an acl rule with action update in zone ${ctx.zone} (Knot), or check the key name and algorithm`,
  BADTIME: () => 'this machine\'s clock differs from the server\'s by more than the 300 s fudge',
};

/** Answers to the check update that prove the key may update: its prerequisite was evaluated (and failed, as built). */
const CHECK_PASSED = new Set<number>([RCODE.NOERROR, RCODE.NXDOMAIN, RCODE.YXDOMAIN, RCODE.NXRRSET, RCODE.YXRRSET]);

/**
 * What an answer means, as a typed error, or null when it is a success. An answer to a signed request
 * is trusted as a success only when its own TSIG verifies; an unsigned failure is still reported
 * (at worst a forged one makes this run fail, never makes it believe something was written).
 */
export function answerError(msg: RawMessage, tsig: TsigCheck | null, ctx: AnswerContext): ProviderError | null {
  const at = `${ctx.server}`;
  const what = { update: `update of ${ctx.name} ${ctx.type}`, check: `test update (changing nothing) for ${ctx.name}`, query: `query for ${ctx.name} ${ctx.type}` }[ctx.op];
  if (tsig?.status === 'tsig-error') {
    const hint = TSIG_HINTS[tsig.errorName]?.(ctx);
    return new ProviderError('auth', `${at} rejected the TSIG signature of the ${what}: ${tsig.errorName} for key ${ctx.keyName}${hint ? ` (${hint})` : ''}`, { code: tsig.errorName });
  }
  if (tsig?.status === 'invalid') {
    return new ProviderError('fatal', `the answer from ${at} to the ${what} has a TSIG record that does not verify: ${tsig.reason}; not trusting it`);
  }
  const rcode = msg.rcode;
  const name = rcodeName(rcode);
  const success = rcode === RCODE.NOERROR || (ctx.op === 'query' && rcode === RCODE.NXDOMAIN) || (ctx.op === 'check' && CHECK_PASSED.has(rcode));
  if (success) {
    if (tsig?.status === 'unsigned') return new ProviderError('fatal', `the answer from ${at} to the signed ${what} is not signed; not trusting it`);
    if (ctx.op === 'query' && !msg.authoritative) return new ProviderError('fatal', `${at} is not authoritative for ${ctx.name} (no AA flag): point server at a primary of zone ${ctx.zone}`);
    return null;
  }
  const tail = `(${name}${tsig?.status === 'unsigned' ? ', unsigned answer' : ''})`;
  switch (rcode) {
    case RCODE.REFUSED:
      if (ctx.op === 'query') return new ProviderError('auth', `${at} refused the ${what} ${tail}: does it serve zone ${ctx.zone} and answer this host?`, { code: name });
      return new ProviderError(
        'auth',
        ctx.keyName
          ? `${at} refused the ${what} ${tail}: is the TSIG key ${ctx.keyName} allowed to update zone ${ctx.zone}?`
          : `${at} refused the unsigned ${what} ${tail}: configure a TSIG key the server allows for zone ${ctx.zone}`,
        { code: name },
      );
    case RCODE.NXRRSET:
      return new ProviderError('conflict', `${ctx.name} ${ctx.type} on ${at} changed since it was read ${tail}; not overwriting`, { code: name });
    case RCODE.YXRRSET:
      return new ProviderError('conflict', `${ctx.name} ${ctx.type} on ${at} was created since it was read, or the name has a CNAME ${tail}; not overwriting`, { code: name });
    case RCODE.SERVFAIL:
      return new ProviderError('transient', `${at} failed the ${what} ${tail}`, { code: name });
    case RCODE.NOTAUTH:
      // RFC 8945 reuses NOTAUTH for TSIG failures; PowerDNS answers a bad signature on a query this way, without a TSIG record.
      if (ctx.keyName) {
        return new ProviderError('auth', `${at} rejected the signed ${what} ${tail}: check the TSIG key ${ctx.keyName} (name, secret, algorithm); or the server is not authoritative for zone ${ctx.zone}`, { code: name });
      }
      return new ProviderError('fatal', `${at} is not authoritative for zone ${ctx.zone} ${tail}: point server at the zone's primary`, { code: name });
    case RCODE.NOTZONE:
      return new ProviderError('fatal', `${ctx.name} is not inside zone ${ctx.zone} as ${at} serves it ${tail}`, { code: name });
    case RCODE.NOTIMP:
      return new ProviderError('fatal', `${at} does not implement the ${ctx.op === 'query' ? 'query' : 'update'} ${tail}: is dynamic update enabled?`, { code: name });
    default:
      return new ProviderError('fatal', `${at} answered the ${what} with ${tail}`, { code: name });
  }
}

/** The rrset from a successful authoritative answer; null for NXDOMAIN or no data; the target when the name holds a CNAME. */
export function readAnswer(msg: RawMessage, ctx: AnswerContext): CurrentRecord | null {
  const cname = cnameOf(msg, ctx.name);
  if (cname !== undefined) return { values: [], cname };
  if (msg.rcode === RCODE.NXDOMAIN) return null;
  return valuesIn(msg, ctx.name, ctx.type);
}
