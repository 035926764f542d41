import type { HttpMethod as Method } from '../kit/http.js';
import type { ProviderContext, RecordType } from '../kit/types.js';
import { ProviderError } from '../kit/errors.js';
import type { HttpDeps, RequestOptions } from '../kit/http.js';
import { classifyCloudflareError, envelopeResult, isLastPage, parseRecordPage, parseZone, parseZoneList, type CfRecord, type CfZone, type OddRecord, type PageInfo, type RecordPatch } from './parse.js';
import { tokenApiOptions, tokenHttpClient } from '../kit/token-config.js';
import type { CloudflareConfig } from './index.js';

export const DEFAULT_ENDPOINT = 'https://api.cloudflare.com/client/v4';
const PER_PAGE = 100;
/** Listing a whole zone: large pages (the API allows up to 5,000,000 per page). */
const ZONE_PER_PAGE = 5000;
/** GET /zones allows at most 50 per page. */
const ZONES_PER_PAGE = 50;
/** More than 100 pages of one listing is not something to page through blindly. */
const MAX_PAGES = 100;


export interface NewRecord {
  type: RecordType;
  name: string;
  content: string;
  ttl: number;
  proxied: boolean;
  comment: string;
}

export interface CloudflareApi {
  /** GET /zones?name= (exact match), zones the token can see. */
  findZones(name: string): Promise<CfZone[]>;
  getZone(zoneId: string): Promise<CfZone>;
  /** Every zone the token can see, all pages. */
  listZones(): Promise<CfZone[]>;
  /** The records of exactly this name (and type, when given: without it, every type, CNAMEs included), all pages. */
  listRecords(zoneId: string, name: string, type?: RecordType): Promise<RecordListing>;
  /** Every record of the zone, all types, all pages. */
  listZoneRecords(zoneId: string): Promise<RecordListing>;
  createRecord(zoneId: string, record: NewRecord): Promise<void>;
  patchRecord(zoneId: string, patch: RecordPatch): Promise<void>;
  deleteRecord(zoneId: string, id: string): Promise<void>;
  /** One transaction: deletes, then patches, then posts. */
  batch(zoneId: string, ops: { deletes: string[]; patches: RecordPatch[]; posts: NewRecord[] }): Promise<void>;
}

/** The usable A, AAAA and CNAME records of a listing, and those it could not use (see parse.ts). */
export interface RecordListing {
  records: CfRecord[];
  odd: OddRecord[];
}

export function createCloudflareApi(config: CloudflareConfig, ctx: ProviderContext, deps: HttpDeps = {}): CloudflareApi {
  const o = tokenApiOptions('cloudflare', config, ctx, deps, DEFAULT_ENDPOINT);
  // Errors built by classify lack the request's method and path; call() adds them.
  const classified = new WeakSet<ProviderError>();
  const http = tokenHttpClient(o, 'Cloudflare', (status, body, headers) => {
    const e = classifyCloudflareError(status, body, headers);
    classified.add(e);
    return e;
  });

  const call = async (method: Method, path: string, ro?: RequestOptions): Promise<unknown> => {
    const where = `Cloudflare ${method} ${path}`;
    try {
      return (await http.json<unknown>(method, path, ro)).data;
    } catch (e) {
      if (e instanceof ProviderError && classified.has(e)) {
        throw new ProviderError(e.kind, `${where}: ${e.message}`, {
          ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
          ...(e.code !== undefined ? { code: e.code } : {}),
        });
      }
      throw e;
    }
  };
  const checked = async (method: Method, path: string, ro?: RequestOptions): Promise<unknown> => {
    const data = await call(method, path, ro);
    try {
      envelopeResult(data);
    } catch (e) {
      throw e instanceof ProviderError ? new ProviderError(e.kind, `Cloudflare ${method} ${path}: ${e.message}`) : e;
    }
    return data;
  };
  const records = (zoneId: string) => `/zones/${encodeURIComponent(zoneId)}/dns_records`;

  /** Every page of a listing, page by page until isLastPage says the list is complete. */
  const allPages = async <T extends PageInfo>(path: string, query: Record<string, string>, perPage: number, parse: (data: unknown) => T, what: string): Promise<T[]> => {
    const pages: T[] = [];
    for (let page = 1, seen = 0; ; page++) {
      if (page > MAX_PAGES) throw new ProviderError('fatal', `Cloudflare: ${what} runs over more than ${MAX_PAGES} pages`);
      const res = parse(await checked('GET', path, { searchParams: { ...query, per_page: perPage, page } }));
      pages.push(res);
      seen += res.size;
      if (isLastPage(res, seen, perPage)) return pages;
    }
  };
  const listing = (pages: Array<RecordListing & PageInfo>): RecordListing => ({ records: pages.flatMap((p) => p.records), odd: pages.flatMap((p) => p.odd) });
  const patchBody = ({ id: _id, ...fields }: RecordPatch) => fields;

  return {
    async findZones(name) {
      return parseZoneList(await checked('GET', '/zones', { searchParams: { name } })).zones;
    },

    async listZones() {
      const pages = await allPages('/zones', {}, ZONES_PER_PAGE, parseZoneList, 'the list of zones this token sees (set zoneId)');
      return pages.flatMap((p) => p.zones);
    },

    async getZone(zoneId) {
      return parseZone(await checked('GET', `/zones/${encodeURIComponent(zoneId)}`));
    },

    async listRecords(zoneId, name, type) {
      const { records: found, odd } = listing(await allPages(records(zoneId), { ...(type ? { type } : {}), name }, PER_PAGE, parseRecordPage, `the records of ${name}`));
      // The API filters by exact name and type already; this guards against a server that does not.
      return { records: found.filter((r) => (type === undefined || r.type === type) && r.name === name), odd };
    },

    async listZoneRecords(zoneId) {
      return listing(await allPages(records(zoneId), {}, ZONE_PER_PAGE, parseRecordPage, `the records of zone ${zoneId}`));
    },

    async createRecord(zoneId, record) {
      await checked('POST', records(zoneId), { json: record });
    },

    async patchRecord(zoneId, patch) {
      await checked('PATCH', `${records(zoneId)}/${encodeURIComponent(patch.id)}`, { json: patchBody(patch) });
    },

    async deleteRecord(zoneId, id) {
      await checked('DELETE', `${records(zoneId)}/${encodeURIComponent(id)}`);
    },

    async batch(zoneId, ops) {
      const body = {
        ...(ops.deletes.length ? { deletes: ops.deletes.map((id) => ({ id })) } : {}),
        ...(ops.patches.length ? { patches: ops.patches } : {}),
        ...(ops.posts.length ? { posts: ops.posts } : {}),
      };
      await checked('POST', `${records(zoneId)}/batch`, { json: body });
    },
  };
}
