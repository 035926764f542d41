import type { Method } from 'got';
import { createHttpClient, type HttpClient, type HttpResponse } from '../kit/http.js';
import { ProviderError } from '../kit/errors.js';
import { changeBatchXml, parseChangeInfo, parseHostedZonesByName, parseRrsetPage, route53Error, XmlError, type Change, type ChangeInfo, type HostedZonePage, type RrsetPage } from './parse.js';
import { signRequest, type AwsCredentials } from './sign.js';

export const DEFAULT_ENDPOINT = 'https://route53.amazonaws.com';
const SERVICE = 'Route 53';
const API = '/2013-04-01';
/** Every 4xx is read as a Route 53 error document here; 5xx keep the shared client's mapping (transient). */
const CLIENT_ERRORS = Array.from({ length: 100 }, (_, i) => 400 + i);

export interface Route53ApiOptions {
  endpoint: string;
  allowInsecureHttp?: boolean;
  userAgent: string;
  /** Resolved on first use (missing credentials are an auth error then, not at startup). */
  credentials: () => AwsCredentials;
  now?: () => Date;
  timeoutMs?: number;
}

/** The Route 53 REST calls dnsfail makes, each signed with SigV4 (us-east-1, route53). */
export class Route53Api {
  private readonly http: HttpClient;
  private readonly base: URL;
  private readonly now: () => Date;

  constructor(private readonly opts: Route53ApiOptions) {
    this.http = createHttpClient({
      baseUrl: opts.endpoint,
      userAgent: opts.userAgent,
      service: SERVICE,
      ...(opts.allowInsecureHttp !== undefined ? { allowInsecureHttp: opts.allowInsecureHttp } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
    this.base = new URL(opts.endpoint);
    this.now = opts.now ?? (() => new Date());
  }

  /** ListResourceRecordSets: starts at the first rrset ≥ (name, type); not a filter. */
  async listRrsets(zoneId: string, name: string, type: string, maxItems: number): Promise<RrsetPage> {
    const query = new URLSearchParams({ name, type, maxitems: String(maxItems) });
    const res = await this.call('GET', `${API}/hostedzone/${encodeURIComponent(zoneId)}/rrset?${query}`);
    return this.parsed('GET', '/hostedzone/…/rrset', () => parseRrsetPage(res.body));
  }

  /** ChangeResourceRecordSets: one all-or-nothing batch. */
  async changeRrsets(zoneId: string, changes: Change[]): Promise<ChangeInfo> {
    const body = changeBatchXml(changes, 'dnsfail');
    const res = await this.call('POST', `${API}/hostedzone/${encodeURIComponent(zoneId)}/rrset/`, body);
    return this.parsed('POST', '/hostedzone/…/rrset/', () => parseChangeInfo(res.body));
  }

  async getChange(changeId: string): Promise<ChangeInfo> {
    const res = await this.call('GET', `${API}/change/${encodeURIComponent(changeId)}`);
    return this.parsed('GET', '/change/…', () => parseChangeInfo(res.body));
  }

  async hostedZonesByName(dnsName: string): Promise<HostedZonePage> {
    const query = new URLSearchParams({ dnsname: dnsName, maxitems: '100' });
    const res = await this.call('GET', `${API}/hostedzonesbyname?${query}`);
    return this.parsed('GET', '/hostedzonesbyname', () => parseHostedZonesByName(res.body));
  }

  private async call(method: Method, pathAndQuery: string, body?: string): Promise<HttpResponse> {
    const basePath = this.base.pathname.replace(/\/$/, '');
    const url = new URL(`${basePath}${pathAndQuery}`, this.base);
    const signed = signRequest(
      { method, url, ...(body !== undefined ? { body, headers: { 'content-type': 'application/xml' } } : {}) },
      this.opts.credentials(),
      { service: 'route53', region: 'us-east-1', now: this.now() },
    );
    const sendPath = signed.path.slice(basePath.length);
    const res = await this.http.request(method, sendPath, { headers: signed.headers, accept: CLIENT_ERRORS, ...(body !== undefined ? { body } : {}) });
    if (res.status >= 400) throw route53Error(`${SERVICE} ${method} ${sendPath.split('?')[0]}`, res);
    return res;
  }

  private parsed<T>(method: string, what: string, parse: () => T): T {
    try {
      return parse();
    } catch (e) {
      if (e instanceof XmlError) throw new ProviderError('transient', `${SERVICE} ${method} ${what}: unreadable response (${e.message})`);
      throw e;
    }
  }
}
