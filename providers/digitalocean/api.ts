import type { HttpMethod as Method } from '../kit/http.js';
import { ProviderError } from '../kit/errors.js';
import { namingRequest, type PagedHttpDeps, type RequestOptions } from '../kit/http.js';
import type { ProviderContext, RecordType } from '../kit/types.js';
import { recordCollectionWrites, type ListedRecord } from '../kit/value-records.js';
import { classifyDigitalOceanError, parseRecordPage } from './parse.js';
import { tokenApiOptions, tokenHttpClient } from '../kit/token-config.js';
import type { DigitaloceanConfig } from './index.js';

export const DEFAULT_ENDPOINT = 'https://api.digitalocean.com';
/** The most per_page allows. */
const PER_PAGE = 200;
/** A name with more than 50 pages of records is not something to page through blindly. */
const MAX_PAGES = 50;
const SERVICE = 'DigitalOcean';

export interface RecordBody {
  type: RecordType;
  name: string;
  data: string;
  ttl: number;
}

export interface DigitalOceanApi {
  /** Every record of every type at exactly this name (fully qualified), all pages; null when the domain does not exist. */
  listRecords(domain: string, name: string): Promise<ListedRecord[] | null>;
  createRecord(domain: string, body: RecordBody): Promise<void>;
  updateRecord(domain: string, id: string, body: RecordBody): Promise<void>;
  deleteRecord(domain: string, id: string): Promise<void>;
}

export function createDigitalOceanApi(config: DigitaloceanConfig, ctx: ProviderContext, deps: PagedHttpDeps = {}): DigitalOceanApi {
  const http = tokenHttpClient(tokenApiOptions('digitalocean', config, ctx, deps, DEFAULT_ENDPOINT), SERVICE, classifyDigitalOceanError);
  const perPage = deps.pageSize ?? PER_PAGE;

  const call = <T>(method: Method, path: string, ro: RequestOptions, read: (status: number, data: unknown) => T): Promise<T> =>
    namingRequest(SERVICE, method, path, async () => {
      const res = await http.json<unknown>(method, path, ro);
      return read(res.status, res.data);
    });
  const records = (domain: string) => `/v2/domains/${encodeURIComponent(domain)}/records`;

  return {
    async listRecords(domain, name) {
      const out: ListedRecord[] = [];
      // Page numbers with the filters each time: the links.pages URLs are not relied on to keep them.
      for (let page = 1; ; page++) {
        if (page > MAX_PAGES) throw new ProviderError('fatal', `${SERVICE}: ${name} has more than ${MAX_PAGES * perPage} records`);
        const got = await call('GET', records(domain), { searchParams: { name, per_page: perPage, page }, accept: [404] }, (status, data) => (status === 404 ? null : parseRecordPage(data, domain)));
        if (!got) return null;
        out.push(...got.records);
        if (got.records.length === 0 || (!got.hasNext && out.length >= got.total)) {
          // Never take a short listing for the whole: meta.total says how many there are.
          if (out.length < got.total) throw new ProviderError('transient', `${SERVICE} GET ${records(domain)}: listed ${out.length} of the ${got.total} records meta.total announced`);
          break;
        }
      }
      return out.filter((r) => r.name === name);
    },

    ...recordCollectionWrites<string, RecordBody, RecordBody>(http, SERVICE, records),
  };
}
