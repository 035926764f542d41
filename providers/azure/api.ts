import type { ProviderContext, RecordType } from '../kit/types.js';
import { ProviderError } from '../kit/errors.js';
import { assertSafeUrl, createHttpClient, type HttpDeps } from '../kit/http.js';
import { bareName } from '../kit/records.js';
import { azureCredentials, createTokenSource } from './auth.js';
import type { AzureConfig } from './index.js';
import { classifyAzureError, parseRecordSet, recordSetBody, type AzureRecordSet } from './parse.js';

export const DEFAULT_ENDPOINT = 'https://management.azure.com';
export const API_VERSION = '2018-05-01';

/** A write's precondition: the etag read (If-Match), or "must not exist yet" (If-None-Match: *). */
export type Precondition = { etag: string } | { absent: true };

export interface AzureApi {
  /** The record set, or null when Azure has none of this name and type. */
  get(relative: string, type: RecordType | 'CNAME'): Promise<AzureRecordSet | null>;
  put(relative: string, type: RecordType, values: string[], ttl: number, when: Precondition, metadata?: Record<string, string>): Promise<void>;
  delete(relative: string, type: RecordType, etag: string): Promise<void>;
}

export function createAzureApi(config: AzureConfig, ctx: ProviderContext, deps: HttpDeps = {}): AzureApi {
  const endpoint = config.endpoint ?? DEFAULT_ENDPOINT;
  const common = { userAgent: ctx.userAgent, allowInsecureHttp: config.allowInsecureHttp, timeoutMs: deps.timeoutMs };
  const o = {
    ...common,
    endpoint,
    subscriptionId: config.subscriptionId,
    resourceGroup: config.resourceGroup,
    zone: bareName(config.zone),
    token: createTokenSource({ credentials: azureCredentials(config), resource: `${assertSafeUrl(endpoint, config.allowInsecureHttp, 'endpoint').origin}/`, ...common }),
  };
  const http = createHttpClient({
    baseUrl: o.endpoint,
    userAgent: o.userAgent,
    service: 'Azure DNS',
    ...(o.allowInsecureHttp !== undefined ? { allowInsecureHttp: o.allowInsecureHttp } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    classify: classifyAzureError,
  });
  const path = (relative: string, type: string) =>
    `/subscriptions/${encodeURIComponent(o.subscriptionId)}/resourceGroups/${encodeURIComponent(o.resourceGroup)}/providers/Microsoft.Network/dnsZones/${encodeURIComponent(o.zone)}/${type}/${relative}`; // x-ms-skip-url-encoding: "@" stays as it is
  const searchParams = { 'api-version': API_VERSION };
  const auth = async () => ({ authorization: `Bearer ${await o.token()}` });
  const named = (e: unknown, what: string) => (e instanceof ProviderError ? new ProviderError(e.kind, `Azure DNS ${what}: ${e.message.replace(/^Azure DNS \S+ \S+: /, '')}`, { ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}), ...(e.code !== undefined ? { code: e.code } : {}) }) : e);

  return {
    async get(relative, type) {
      const what = `GET ${type} ${relative}.${o.zone}`;
      try {
        const res = await http.json<unknown>('GET', path(relative, type), { searchParams, headers: await auth(), accept: [404] });
        if (res.status === 404) {
          // A missing zone is a 404 too (ParentResourceNotFound): that is an error, not "no record".
          const code = (res.data as { error?: { code?: unknown } } | undefined)?.error?.code;
          if (code === 'ParentResourceNotFound' || code === 'ResourceGroupNotFound' || code === 'SubscriptionNotFound') {
            throw new ProviderError('fatal', `HTTP 404 ${String(code)}: zone ${o.zone} not found in resource group ${o.resourceGroup} of subscription ${o.subscriptionId}`);
          }
          return null;
        }
        return parseRecordSet(res.data, type);
      } catch (e) {
        throw named(e, what);
      }
    },

    async put(relative, type, values, ttl, when, metadata) {
      const headers = { ...(await auth()), ...('etag' in when ? { 'if-match': when.etag } : { 'if-none-match': '*' }) };
      try {
        await http.request('PUT', path(relative, type), { searchParams, headers, json: recordSetBody(type, values, ttl, metadata) });
      } catch (e) {
        throw named(e, `PUT ${type} ${relative}.${o.zone}`);
      }
    },

    async delete(relative, type, etag) {
      try {
        await http.request('DELETE', path(relative, type), { searchParams, headers: { ...(await auth()), 'if-match': etag } });
      } catch (e) {
        throw named(e, `DELETE ${type} ${relative}.${o.zone}`);
      }
    },
  };
}
