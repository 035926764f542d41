import type { ContractFault } from '../contract/provider-contract.js';
import type { MockReply, MockRequest, ServerMock } from '../helpers/servermock.js';

/** What the fakes of token-authenticated, one-record-per-value APIs (DigitalOcean, Linode) take. */
export interface TokenFakeOptions {
  token: string;
  domains?: string[];
  /** Requests allowed per window before 429s (default: the vendor's budget). */
  rateLimit?: { requests: number; windowS?: number };
  now?: () => number;
}

/** Their outside view: the records at a name, their values, and the knobs tests turn. */
export interface ValueRecordFake<R> {
  url: string;
  mock: ServerMock;
  /** Records by fully qualified name (and type). */
  records(fqdn: string, type?: string): R[];
  lookup(fqdn: string, type: string): string[] | null;
  mutations(): number;
  setRateLimit(limit: { requests: number; windowS?: number }): void;
  injectFault(fault: ContractFault): void;
  close(): Promise<void>;
}

export function recordViews<R extends { type: string; name: string }>(
  all: () => Array<{ domain: string; r: R }>,
  fqdn: (domain: string, name: string) => string,
  valueOf: (r: R) => string,
  mutatingRequests: () => number,
): Pick<ValueRecordFake<R>, 'records' | 'lookup' | 'mutations'> {
  const records = (name: string, type?: string) => all().filter(({ domain, r }) => fqdn(domain, r.name) === name && (!type || r.type === type)).map(({ r }) => r);
  return {
    records,
    lookup(name, type) {
      const values = records(name, type).map(valueOf);
      return values.length ? values : null;
    },
    mutations: mutatingRequests,
  };
}

/** Thrown inside a route handled by `refusing` to answer with the vendor's error. */
export class Refusal extends Error {
  constructor(readonly reply: MockReply) {
    super('refused');
  }
}

export const refusing =
  (fn: (req: MockRequest) => MockReply) =>
  (req: MockRequest): MockReply => {
    try {
      return fn(req);
    } catch (e) {
      if (e instanceof Refusal) return e.reply;
      throw e;
    }
  };

/** A fixed-window request budget, as the vendors describe theirs. */
export function rateWindow(initial: { requests: number; windowS: number }, now: () => number) {
  let limit = initial;
  let windowStart = 0;
  let used = 0;
  return {
    get limit() {
      return limit;
    },
    /** Counts one request; false once the window's budget is spent. */
    take(): boolean {
      const t = now();
      if (t - windowStart >= limit.windowS * 1000) {
        windowStart = t;
        used = 0;
      }
      return ++used <= limit.requests;
    },
    /** When the current window ends, in ms since the epoch. */
    resetsAt: () => windowStart + limit.windowS * 1000,
    set(l: { requests: number; windowS?: number }) {
      limit = { ...limit, ...l };
      windowStart = 0;
    },
  };
}
