import type { HttpMethod as Method } from '../kit/http.js';
import { ProviderError } from '../kit/errors.js';
import { createHttpClient, type HttpDeps, type RequestOptions } from '../kit/http.js';
import type { ProviderContext } from '../kit/types.js';
import { createTokenSource, googleCredentials } from './auth.js';
import type { GoogleConfig } from './index.js';
import { classifyGoogleError, parseRrsetPage, type GRrset } from './parse.js';

export const DEFAULT_ENDPOINT = 'https://dns.googleapis.com';
/** A zone with more pages than this is not paged through blindly. */
const MAX_PAGES = 1000;

export interface GoogleApi {
  /** Every rrset at this name (all types), or of the whole zone when name is absent; all pages. */
  listRrsets(name?: string): Promise<GRrset[]>;
  /** One atomic change: Google refuses it whole (412/409/404) when a deletion does not match exactly. */
  change(additions: GRrset[], deletions: GRrset[]): Promise<void>;
}

export function createGoogleApi(config: GoogleConfig, ctx: ProviderContext, deps: HttpDeps = {}): GoogleApi {
  const common = { userAgent: ctx.userAgent, allowInsecureHttp: config.allowInsecureHttp, timeoutMs: deps.timeoutMs };
  const o = {
    ...common,
    endpoint: config.endpoint ?? DEFAULT_ENDPOINT,
    project: config.project,
    managedZone: config.managedZone,
    token: createTokenSource(googleCredentials(config), common),
  };
  const http = createHttpClient({
    baseUrl: o.endpoint,
    userAgent: o.userAgent,
    service: 'Cloud DNS',
    ...(o.allowInsecureHttp !== undefined ? { allowInsecureHttp: o.allowInsecureHttp } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    classify: classifyGoogleError,
  });
  const zonePath = `/dns/v1/projects/${encodeURIComponent(o.project)}/managedZones/${encodeURIComponent(o.managedZone)}`;
  const call = async (method: Method, path: string, what: string, ro: RequestOptions = {}) => {
    try {
      return (await http.json<unknown>(method, path, { ...ro, headers: { authorization: `Bearer ${await o.token()}` } })).data;
    } catch (e) {
      if (!(e instanceof ProviderError) || e.message.startsWith('Google ')) throw e;
      const message = `Cloud DNS ${what} in ${o.project}/${o.managedZone}: ${e.message.replace(/^Cloud DNS \S+ \S+: /, '')}`;
      throw new ProviderError(e.kind, message, { ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}), ...(e.code !== undefined ? { code: e.code } : {}) });
    }
  };

  return {
    async listRrsets(name) {
      const out: GRrset[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page === 0 || pageToken !== undefined; page++) {
        if (page >= MAX_PAGES) throw new ProviderError('fatal', `Cloud DNS: managed zone ${o.managedZone} has more than ${MAX_PAGES} pages of rrsets`);
        const searchParams = { ...(name ? { name: `${name}.` } : {}), ...(pageToken ? { pageToken } : {}) };
        const res = parseRrsetPage(await call('GET', `${zonePath}/rrsets`, `list rrsets${name ? ` of ${name}` : ''}`, { searchParams }));
        out.push(...res.rrsets);
        pageToken = res.nextPageToken;
      }
      return out;
    },

    async change(additions, deletions) {
      const names = [...new Set([...additions, ...deletions].map((r) => r.name.replace(/\.$/, '')))];
      const what = `change of ${names.length === 1 ? names[0] : `${names.length} names`}`;
      await call('POST', `${zonePath}/changes`, what, { json: { ...(additions.length ? { additions } : {}), ...(deletions.length ? { deletions } : {}) } });
    },
  };
}
