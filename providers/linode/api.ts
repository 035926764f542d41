import type { HttpMethod as Method } from '../kit/http.js';
import { ProviderError } from '../kit/errors.js';
import { namingRequest, type PagedHttpDeps, type RequestOptions } from '../kit/http.js';
import type { ProviderContext, RecordType } from '../kit/types.js';
import { recordCollectionWrites, type ListedRecord } from '../kit/value-records.js';
import { classifyLinodeError, parsePage, toDomain, toRecord, type LinodeDomain, type Page } from './parse.js';
import { tokenApiOptions, tokenHttpClient } from '../kit/token-config.js';
import type { LinodeConfig } from './index.js';

export const DEFAULT_ENDPOINT = 'https://api.linode.com/v4';
/** The most page_size allows. */
const PAGE_SIZE = 500;
/** More than 50 pages of 500 is not something to page through blindly. */
const MAX_PAGES = 50;
const SERVICE = 'Linode';

type RecordChange = { target: string; ttl_sec: number };
type NewRecord = RecordChange & { type: RecordType; name: string };

export interface LinodeApi {
  /** Every domain the token can see, all pages. */
  listDomains(): Promise<LinodeDomain[]>;
  getDomain(id: number): Promise<LinodeDomain>;
  /** Every record of the domain, all pages. */
  listRecords(domain: LinodeDomain): Promise<ListedRecord[]>;
  createRecord(domainId: number, body: NewRecord): Promise<void>;
  updateRecord(domainId: number, id: string, body: RecordChange): Promise<void>;
  deleteRecord(domainId: number, id: string): Promise<void>;
}

export function createLinodeApi(config: LinodeConfig, ctx: ProviderContext, deps: PagedHttpDeps = {}): LinodeApi {
  const http = tokenHttpClient(tokenApiOptions('linode', config, ctx, deps, DEFAULT_ENDPOINT), SERVICE, classifyLinodeError);
  const pageSize = deps.pageSize ?? PAGE_SIZE;

  const call = <T>(method: Method, path: string, ro: RequestOptions, read: (data: unknown) => T): Promise<T> =>
    namingRequest(SERVICE, method, path, async () => read((await http.json<unknown>(method, path, ro)).data));

  /** Pages 1 to `pages`, and then a check that `results` items came: a short listing is never taken for the whole. */
  const listAll = async <T>(path: string, item: (v: unknown) => T[]): Promise<T[]> => {
    const out: unknown[] = [];
    let results = 0;
    for (let page = 1, pages = 1; page <= pages; page++) {
      if (page > MAX_PAGES) throw new ProviderError('fatal', `${SERVICE} GET ${path}: more than ${MAX_PAGES * pageSize} items`);
      const got: Page<unknown> = await call('GET', path, { searchParams: { page, page_size: pageSize } }, (data) => parsePage(data, (v) => [v]));
      pages = got.pages;
      results = got.results;
      out.push(...got.items);
    }
    if (out.length < results) throw new ProviderError('transient', `${SERVICE} GET ${path}: listed ${out.length} of the ${results} results announced`);
    return out.flatMap(item);
  };

  const records = (domainId: number) => `/domains/${domainId}/records`;

  return {
    listDomains: () => listAll('/domains', toDomain),

    async getDomain(id) {
      const domain = await call('GET', `/domains/${id}`, {}, (data) => toDomain(data)[0]);
      if (!domain) throw new ProviderError('transient', `${SERVICE} GET /domains/${id}: the answer is not a domain`);
      return domain;
    },

    listRecords: (domain) => listAll(records(domain.id), (v) => toRecord(v, domain)),

    ...recordCollectionWrites<number, NewRecord, RecordChange>(http, SERVICE, records),
  };
}
