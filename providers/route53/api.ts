import { createHttpClient, type HttpMethod, type HttpResponse } from '../kit/http.js';
import { ProviderError } from '../kit/errors.js';
import type { ProviderContext } from '../kit/types.js';
import { changeBatchXml, type Change } from './change-batch.js';
import { resolveCredentials } from './credentials.js';
import { route53Error } from './errors.js';
import type { Route53Config, Route53Deps } from './index.js';
import { parseChangeInfo, parseHostedZonesByName, parseRrsetPage, type ChangeInfo, type HostedZonePage, type RrsetPage } from './parse.js';
import { signRequest, type AwsCredentials } from './sign.js';
import { XmlError } from './xml.js';

export const DEFAULT_ENDPOINT = 'https://route53.amazonaws.com';
const SERVICE = 'Route 53';
const API = '/2013-04-01';
/** Every 4xx is read as a Route 53 error document here; 5xx keep the shared client's mapping (transient). */
const CLIENT_ERRORS = Array.from({ length: 100 }, (_, i) => 400 + i);

/** The Route 53 REST calls dnsfail makes, each signed with SigV4 (us-east-1, route53). */
export interface Route53Api {
  /** ListResourceRecordSets: starts at the first rrset ≥ (name, type); not a filter. */
  listRrsets(zoneId: string, name: string, type: string, maxItems: number): Promise<RrsetPage>;
  /** ChangeResourceRecordSets: one all-or-nothing batch. */
  changeRrsets(zoneId: string, changes: Change[]): Promise<ChangeInfo>;
  getChange(changeId: string): Promise<ChangeInfo>;
  hostedZonesByName(dnsName: string): Promise<HostedZonePage>;
}

export function createRoute53Api(config: Route53Config, ctx: ProviderContext, deps: Route53Deps = {}): Route53Api {
  const endpoint = config.endpoint ?? DEFAULT_ENDPOINT;
  const http = createHttpClient({
    baseUrl: endpoint,
    userAgent: ctx.userAgent,
    service: SERVICE,
    ...(config.allowInsecureHttp !== undefined ? { allowInsecureHttp: config.allowInsecureHttp } : {}),
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
  });
  const base = new URL(endpoint);
  const now = deps.now ?? (() => new Date());
  // Resolved on first use: missing credentials are an auth error then, not at startup.
  let credentials: AwsCredentials | undefined;
  const credentialsOnce = () =>
    (credentials ??= resolveCredentials({
      ...(config.accessKeyId ? { accessKeyId: config.accessKeyId } : {}),
      ...(config.secretAccessKey ? { secretAccessKey: config.secretAccessKey } : {}),
      ...(config.sessionToken ? { sessionToken: config.sessionToken } : {}),
      ...(config.profile ? { profile: config.profile } : {}),
      env: deps.env ?? process.env,
      ...(deps.homeDir ? { homeDir: deps.homeDir } : {}),
    }));

  const call = async (method: HttpMethod, pathAndQuery: string, body?: string): Promise<HttpResponse> => {
    const basePath = base.pathname.replace(/\/$/, '');
    const url = new URL(`${basePath}${pathAndQuery}`, base);
    const signed = signRequest(
      { method, url, ...(body !== undefined ? { body, headers: { 'content-type': 'application/xml' } } : {}) },
      credentialsOnce(),
      { service: 'route53', region: 'us-east-1', now: now() },
    );
    const sendPath = signed.path.slice(basePath.length);
    const res = await http.request(method, sendPath, { headers: signed.headers, accept: CLIENT_ERRORS, ...(body !== undefined ? { body } : {}) });
    if (res.status >= 400) throw route53Error(`${SERVICE} ${method} ${sendPath.split('?')[0]}`, res);
    return res;
  };

  const parsed = <T>(method: string, what: string, parse: () => T): T => {
    try {
      return parse();
    } catch (e) {
      if (e instanceof XmlError) throw new ProviderError('transient', `${SERVICE} ${method} ${what}: unreadable response (${e.message})`);
      throw e;
    }
  };

  return {
    async listRrsets(zoneId, name, type, maxItems) {
      const query = new URLSearchParams({ name, type, maxitems: String(maxItems) });
      const res = await call('GET', `${API}/hostedzone/${encodeURIComponent(zoneId)}/rrset?${query}`);
      return parsed('GET', '/hostedzone/…/rrset', () => parseRrsetPage(res.body));
    },

    async changeRrsets(zoneId, changes) {
      const res = await call('POST', `${API}/hostedzone/${encodeURIComponent(zoneId)}/rrset/`, changeBatchXml(changes, 'dnsfail'));
      return parsed('POST', '/hostedzone/…/rrset/', () => parseChangeInfo(res.body));
    },

    async getChange(changeId) {
      const res = await call('GET', `${API}/change/${encodeURIComponent(changeId)}`);
      return parsed('GET', '/change/…', () => parseChangeInfo(res.body));
    },

    async hostedZonesByName(dnsName) {
      const query = new URLSearchParams({ dnsname: dnsName, maxitems: '100' });
      const res = await call('GET', `${API}/hostedzonesbyname?${query}`);
      return parsed('GET', '/hostedzonesbyname', () => parseHostedZonesByName(res.body));
    },
  };
}
