import { ProviderError } from '../kit/errors.js';
import { classifyDesecError, errorDetail, nextCursor, parseDomain, parseDomainList, parseRrsetList, type DesecDomain, type DesecRrset } from './parse.js';
import { tokenApiOptions, tokenHttpClient } from '../kit/token-config.js';
import type { HttpDeps } from '../kit/http.js';
import type { ProviderContext } from '../kit/types.js';
import type { DesecConfig } from './index.js';

export const DEFAULT_ENDPOINT = 'https://desec.io/api/v1';

/** One item of a bulk PATCH: records [] deletes the RRset. */
export interface RrsetChange {
  subname: string;
  type: string;
  ttl: number;
  records: string[];
}

/** A bulk PATCH refused in validation stage 1: one error text per item ('' for the items that were fine). */
export class BulkRefused extends Error {
  constructor(readonly itemErrors: string[]) {
    super('deSEC refused the bulk request');
  }
}

export interface DesecApi {
  /** The account's domain responsible for `qname` (GET /domains/?owns_qname=), or null. */
  domainOwning(qname: string): Promise<DesecDomain | null>;
  /** Every domain of the account, every page. */
  listDomains(): Promise<DesecDomain[]>;
  /** GET /domains/{name}/; null when the account has no such domain. */
  getDomain(name: string): Promise<DesecDomain | null>;
  /** All RRsets of the domain, or of one subname, every page. */
  listRrsets(domain: string, subname?: string): Promise<DesecRrset[]>;
  /** One atomic bulk PATCH of RRsets; throws BulkRefused when deSEC names the items it refuses. */
  patchRrsets(domain: string, changes: RrsetChange[]): Promise<void>;
}

/** More pages than this (500 RRsets each) is not a zone to page through blindly. */
const MAX_PAGES = 200;

export function createDesecApi(config: DesecConfig, ctx: ProviderContext, deps: HttpDeps = {}): DesecApi {
  const http = tokenHttpClient(tokenApiOptions('desec', config, ctx, deps, DEFAULT_ENDPOINT), 'deSEC', classifyDesecError, 'Token');
  const domainPath = (name: string) => `/domains/${encodeURIComponent(name)}/`;

  /** Every page of a listing: always in pagination mode (cursor=), as more than 500 items are refused without it. */
  const paged = async <T>(path: string, filters: Record<string, string>, parse: (data: unknown) => T[]): Promise<T[]> => {
    const out: T[] = [];
    let cursor: string | undefined = '';
    for (let page = 0; cursor !== undefined; page++) {
      if (page >= MAX_PAGES) throw new ProviderError('fatal', `deSEC GET ${path}: more than ${MAX_PAGES} pages`);
      const res = await http.json<unknown>('GET', path, { searchParams: { ...filters, cursor } });
      out.push(...parse(res.data));
      cursor = nextCursor(res.headers.link);
    }
    return out;
  };

  return {
    async domainOwning(qname) {
      const { data } = await http.json<unknown>('GET', '/domains/', { searchParams: { owns_qname: qname } });
      return parseDomainList(data)[0] ?? null;
    },

    async getDomain(name) {
      const { status, data } = await http.json<unknown>('GET', domainPath(name), { accept: [404] });
      if (status === 404) return null;
      const domain = parseDomain(data);
      if (!domain) throw new ProviderError('transient', 'deSEC returned a domain without a name');
      return domain;
    },

    listDomains: () => paged('/domains/', {}, parseDomainList),

    listRrsets: (domain, subname) => paged(`${domainPath(domain)}rrsets/`, subname !== undefined ? { subname } : {}, parseRrsetList),

    async patchRrsets(domain, changes) {
      const res = await http.request('PATCH', `${domainPath(domain)}rrsets/`, { json: changes, accept: [400] });
      if (res.status !== 400) return;
      let body: unknown;
      try {
        body = JSON.parse(res.body);
      } catch {
        body = undefined;
      }
      // Stage 1 of deSEC's validation answers a list aligned with the request, {} for the fine items.
      if (Array.isArray(body) && body.length === changes.length) throw new BulkRefused(body.map((e) => errorDetail(e)));
      throw new ProviderError('fatal', `deSEC PATCH ${domainPath(domain)}rrsets/: HTTP 400${errorDetail(res.body) ? `: ${errorDetail(res.body)}` : ''}`);
    },
  };
}
