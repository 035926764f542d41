import { ProviderError } from '../kit/errors.js';
import { createHttpClient, type HttpMethod, type RequestOptions } from '../kit/http.js';
import type { CurrentRecord, ProviderContext, RecordType } from '../kit/types.js';
import type { PowerdnsConfig } from './index.js';
import type { HttpDeps } from '../kit/http.js';
import { errorMessage, findRrset, parseZoneList, rrsetChange, type PdnsZone, type RrsetWrite, wireName } from './parse.js';

export const DEFAULT_SERVER_ID = 'localhost';

export interface PdnsApi {
  listZones(): Promise<PdnsZone[]>;
  readRrset(zone: PdnsZone, name: string, type: RecordType): Promise<CurrentRecord | null>;
  /** The whole zone (`GET /zones/{zone}`), every rrset: for findRrset. */
  readZone(zone: PdnsZone): Promise<unknown>;
  /** One PATCH for all these rrsets: REPLACE each with its records, or DELETE it when `values` is empty. */
  writeRrsets(zone: PdnsZone, rrsets: RrsetWrite[]): Promise<void>;
}

/** `http://h:8081`, `http://h:8081/`, `http://h:8081/api/v1` → `http://h:8081/api/v1/servers/<id>`. */
export function serverBaseUrl(url: string, serverId: string): string {
  const root = url.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  return `${root}/api/v1/servers/${encodeURIComponent(serverId)}`;
}

// Statuses read here rather than by http.ts's default mapping, because their meaning depends on the
// call: 404 is an unknown zone (or server id), 400/422 carry PowerDNS's reason in {"error": …}.
const HANDLED = [400, 404, 422];

export function createPowerdnsApi(config: PowerdnsConfig, ctx: ProviderContext, deps: HttpDeps = {}): PdnsApi {
  const url = config.url ?? config.endpoint;
  if (!url) throw new ProviderError('fatal', 'powerdns: url is required');
  if (!config.apiKey) throw new ProviderError('fatal', 'powerdns: apiKey (or apiKeyFile) is required');
  const serverId = config.serverId ?? DEFAULT_SERVER_ID;
  const http = createHttpClient({
    baseUrl: serverBaseUrl(url, serverId),
    userAgent: ctx.userAgent,
    headers: { 'X-API-Key': config.apiKey },
    ...(config.allowInsecureHttp !== undefined ? { allowInsecureHttp: config.allowInsecureHttp } : {}),
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
    service: 'PowerDNS',
  });

  const call = async (method: HttpMethod, path: string, notFound: string, ro: RequestOptions = {}): Promise<unknown> => {
    const res = await http.request(method, path, { ...ro, accept: HANDLED });
    const where = `PowerDNS ${method} ${path}`;
    if (res.status === 404) throw new ProviderError('fatal', `${where}: HTTP 404: ${notFound}`);
    if (HANDLED.includes(res.status)) {
      const reason = errorMessage(res.body);
      throw new ProviderError('fatal', `${where}: HTTP ${res.status}${reason ? `: ${reason}` : ''}`);
    }
    if (res.body === '') return undefined;
    try {
      return JSON.parse(res.body) as unknown;
    } catch {
      throw new ProviderError('transient', `${where}: the response is not JSON (HTTP ${res.status})`);
    }
  };
  const zonePath = (zone: PdnsZone) => `/zones/${zone.id}`;
  const unknownZone = (zone: PdnsZone) => `zone ${zone.name} does not exist on PowerDNS server "${serverId}"`;

  return {
    async listZones() {
      return parseZoneList(await call('GET', '/zones', `PowerDNS has no server "${serverId}" (check serverId)`));
    },

    async readRrset(zone, name, type) {
      // rrset_name/rrset_type narrow the answer (4.7 honours them); a server that ignores them sends the
      // whole zone, and findRrset picks the rrset out either way.
      const body = await call('GET', zonePath(zone), unknownZone(zone), {
        searchParams: { rrset_name: wireName(name), rrset_type: type },
      });
      return findRrset(body, name, type);
    },

    async readZone(zone) {
      return call('GET', zonePath(zone), unknownZone(zone));
    },

    async writeRrsets(zone, rrsets) {
      await call('PATCH', zonePath(zone), unknownZone(zone), { json: { rrsets: rrsets.map(rrsetChange) } });
    },
  };
}
