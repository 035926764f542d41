import type { Method } from 'got';
import type { RecordType } from '../kit/types.js';
import { ProviderError } from '../kit/errors.js';
import { createHttpClient, type RequestOptions } from '../kit/http.js';
import { classifyCloudflareError, envelopeResult, parseRecordPage, parseZone, parseZoneList, type CfRecord, type CfZone, type RecordPatch } from './parse.js';

export const DEFAULT_ENDPOINT = 'https://api.cloudflare.com/client/v4';
const PER_PAGE = 100;
/** Listing a whole zone: large pages (the API allows up to 5,000,000 per page). */
const ZONE_PER_PAGE = 5000;
/** GET /zones allows at most 50 per page. */
const ZONES_PER_PAGE = 50;
/** A name with more than 100 pages of records of one type is not something to page through blindly. */
const MAX_PAGES = 100;

export interface CloudflareApiOptions {
  endpoint: string;
  token: string;
  userAgent: string;
  allowInsecureHttp?: boolean;
  timeoutMs?: number;
}

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
  /** Every record of exactly this name and type, all pages. */
  /** The records of exactly this name (and type, when given: without it, every type, CNAMEs included). */
  listRecords(zoneId: string, name: string, type?: RecordType): Promise<CfRecord[]>;
  /** Every record of the zone, all types, all pages. */
  listZoneRecords(zoneId: string): Promise<CfRecord[]>;
  createRecord(zoneId: string, record: NewRecord): Promise<void>;
  patchRecord(zoneId: string, patch: RecordPatch): Promise<void>;
  deleteRecord(zoneId: string, id: string): Promise<void>;
  /** One transaction: deletes, then patches, then posts. */
  batch(zoneId: string, ops: { deletes: string[]; patches: RecordPatch[]; posts: NewRecord[] }): Promise<void>;
}

export function createCloudflareApi(o: CloudflareApiOptions): CloudflareApi {
  // Errors built by classify lack the request's method and path; call() adds them.
  const classified = new WeakSet<ProviderError>();
  const http = createHttpClient({
    baseUrl: o.endpoint,
    userAgent: o.userAgent,
    headers: { authorization: `Bearer ${o.token}` },
    ...(o.allowInsecureHttp !== undefined ? { allowInsecureHttp: o.allowInsecureHttp } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    service: 'Cloudflare',
    classify: (status, body, headers) => {
      const e = classifyCloudflareError(status, body, headers);
      classified.add(e);
      return e;
    },
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
  const patchBody = (p: RecordPatch) => ({ ...(p.content !== undefined ? { content: p.content } : {}), ...(p.ttl !== undefined ? { ttl: p.ttl } : {}) });

  return {
    async findZones(name) {
      return parseZoneList(await checked('GET', '/zones', { searchParams: { name } }));
    },

    async listZones() {
      const out: CfZone[] = [];
      for (let page = 1, totalPages = 1; page <= totalPages; page++) {
        if (page > MAX_PAGES) throw new ProviderError('fatal', `Cloudflare: the token sees more than ${MAX_PAGES * ZONES_PER_PAGE} zones; set zoneId`);
        const data = await checked('GET', '/zones', { searchParams: { per_page: ZONES_PER_PAGE, page } });
        totalPages = envelopeResult(data).totalPages;
        out.push(...parseZoneList(data));
      }
      return out;
    },

    async getZone(zoneId) {
      return parseZone(await checked('GET', `/zones/${encodeURIComponent(zoneId)}`));
    },

    async listRecords(zoneId, name, type) {
      const out: CfRecord[] = [];
      for (let page = 1, totalPages = 1; page <= totalPages; page++) {
        if (page > MAX_PAGES) throw new ProviderError('fatal', `Cloudflare: ${name} ${type ?? ''} has more than ${MAX_PAGES * PER_PAGE} records`);
        const res = parseRecordPage(await checked('GET', records(zoneId), { searchParams: { ...(type ? { type } : {}), name, per_page: PER_PAGE, page } }));
        totalPages = res.totalPages;
        out.push(...res.items);
      }
      // The API filters by exact name and type already; this guards against a server that does not.
      return out.filter((r) => (type === undefined || r.type === type) && r.name === name);
    },

    async listZoneRecords(zoneId) {
      const out: CfRecord[] = [];
      for (let page = 1, totalPages = 1; page <= totalPages; page++) {
        if (page > MAX_PAGES) throw new ProviderError('fatal', `Cloudflare: zone ${zoneId} has more than ${MAX_PAGES * ZONE_PER_PAGE} records`);
        const res = parseRecordPage(await checked('GET', records(zoneId), { searchParams: { per_page: ZONE_PER_PAGE, page } }));
        totalPages = res.totalPages;
        out.push(...res.items);
      }
      return out;
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
        ...(ops.patches.length ? { patches: ops.patches.map((p) => ({ id: p.id, ...patchBody(p) })) } : {}),
        ...(ops.posts.length ? { posts: ops.posts } : {}),
      };
      await checked('POST', `${records(zoneId)}/batch`, { json: body });
    },
  };
}
