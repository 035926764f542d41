import type { HttpMethod as Method } from '../kit/http.js';
import { ProviderError } from '../kit/errors.js';
import { createHttpClient, type HttpDeps } from '../kit/http.js';
import { bareName } from '../kit/records.js';
import type { ProviderContext } from '../kit/types.js';
import type { OvhConfig } from './index.js';
import { classifyOvhError, ovhSignature, parseIds, parseRecord, type OvhRecord } from './parse.js';

export const ENDPOINTS: Record<string, string> = {
  'ovh-eu': 'https://eu.api.ovh.com/1.0',
  'ovh-ca': 'https://ca.api.ovh.com/1.0',
  'ovh-us': 'https://api.us.ovhcloud.com/1.0',
};

export interface OvhApi {
  /** Every record at this subDomain (all types), each read by its id. */
  recordsAt(subDomain: string): Promise<OvhRecord[]>;
  create(r: { fieldType: string; subDomain: string; target: string; ttl: number }): Promise<void>;
  update(id: number, change: { target: string; ttl: number }): Promise<void>;
  remove(id: number): Promise<void>;
  /** Publishes the zone's changes to OVH's DNS servers. */
  refresh(): Promise<void>;
}

/** Reads of ids at once, so a name with many records does not cost a sequential round trip each. */
const PARALLEL_READS = 8;

export function createOvhApi(config: OvhConfig, ctx: ProviderContext, deps: HttpDeps = {}): OvhApi {
  if (!config.applicationSecret || !config.consumerKey) throw new ProviderError('fatal', 'ovh: applicationSecret and consumerKey are required');
  const o = {
    baseUrl: ENDPOINTS[config.endpoint ?? 'ovh-eu'] ?? config.endpoint!,
    zone: bareName(config.zone),
    applicationKey: config.applicationKey,
    applicationSecret: config.applicationSecret,
    consumerKey: config.consumerKey,
    userAgent: ctx.userAgent,
    allowInsecureHttp: config.allowInsecureHttp,
    timeoutMs: deps.timeoutMs,
  };
  const http = createHttpClient({
    baseUrl: o.baseUrl,
    userAgent: o.userAgent,
    service: 'OVH',
    ...(o.allowInsecureHttp !== undefined ? { allowInsecureHttp: o.allowInsecureHttp } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    classify: classifyOvhError,
  });
  const base = o.baseUrl.replace(/\/$/, '');
  const zonePath = `/domain/zone/${encodeURIComponent(o.zone)}`;

  // OVH refuses a timestamp far from its own clock (QUERY_TIME_OUT). The local clock is trusted
  // until then (a refused key thus costs one request); on that answer, OVH's time is asked once
  // (GET /auth/time) and its difference kept for the run.
  let delta = 0;
  let synced = false;
  const syncClock = async (): Promise<void> => {
    const { data } = await http.json<unknown>('GET', '/auth/time');
    if (typeof data !== 'number') throw new ProviderError('transient', 'OVH GET /auth/time: the answer is not a number');
    delta = data - Math.floor(Date.now() / 1000);
    synced = true;
  };

  /** A signed call; `query` is part of the signed URL, so it is built here, not by the client. */
  const call = async (method: Method, path: string, what: string, opts: { query?: Record<string, string>; json?: unknown } = {}): Promise<unknown> => {
    const qs = opts.query ? new URLSearchParams(opts.query).toString() : '';
    const full = `${path}${qs ? `?${qs}` : ''}`;
    const body = opts.json === undefined ? '' : JSON.stringify(opts.json);
    const signed = async () => {
      const timestamp = Math.floor(Date.now() / 1000) + delta;
      const headers: Record<string, string> = {
        'x-ovh-application': o.applicationKey,
        'x-ovh-consumer': o.consumerKey,
        'x-ovh-timestamp': String(timestamp),
        'x-ovh-signature': ovhSignature({ applicationSecret: o.applicationSecret, consumerKey: o.consumerKey, method, url: `${base}${full}`, body, timestamp }),
        ...(body ? { 'content-type': 'application/json' } : {}),
      };
      return (await http.json<unknown>(method, full, { headers, ...(body ? { body } : {}) })).data;
    };
    try {
      try {
        return await signed();
      } catch (e) {
        if (synced || !(e instanceof ProviderError) || e.code !== 'QUERY_TIME_OUT') throw e;
        await syncClock();
        return await signed();
      }
    } catch (e) {
      if (!(e instanceof ProviderError)) throw e;
      const message = `OVH ${what} in zone ${o.zone}: ${e.message.replace(/^OVH \S+ \S+: /, '')}`;
      throw new ProviderError(e.kind, message, { ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}), ...(e.code !== undefined ? { code: e.code } : {}) });
    }
  };

  return {
    async recordsAt(subDomain) {
      const ids = parseIds(await call('GET', `${zonePath}/record`, `list records of "${subDomain}"`, { query: { subDomain } }));
      const out: OvhRecord[] = [];
      for (let i = 0; i < ids.length; i += PARALLEL_READS) {
        const batch = await Promise.all(ids.slice(i, i + PARALLEL_READS).map((id) => call('GET', `${zonePath}/record/${id}`, `read record ${id}`)));
        for (const r of batch) {
          const record = parseRecord(r);
          if (record) out.push(record);
        }
      }
      return out;
    },
    async create(r) {
      await call('POST', `${zonePath}/record`, `create ${r.fieldType} "${r.subDomain}"`, { json: r });
    },
    async update(id, change) {
      await call('PUT', `${zonePath}/record/${id}`, `update record ${id}`, { json: change });
    },
    async remove(id) {
      await call('DELETE', `${zonePath}/record/${id}`, `delete record ${id}`);
    },
    async refresh() {
      await call('POST', `${zonePath}/refresh`, 'refresh');
    },
  };
}
