import got, { RequestError } from 'got';
import { ProviderError } from './errors.js';
import { assertSafeUrl } from './url.js';

export { assertSafeUrl };

/** got's method names, spelt out so that the kit's published types need no got. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'HEAD' | 'DELETE' | 'OPTIONS' | 'TRACE' | 'get' | 'post' | 'put' | 'patch' | 'head' | 'delete' | 'options' | 'trace';

/** What a provider built on the HTTP client takes besides its config (tests shorten the timeout). */
export interface HttpDeps {
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
}

/** HttpDeps of an API that pages its listings. */
export interface PagedHttpDeps extends HttpDeps {
  /** Items per page (tests use small pages). Default: the most the API allows. */
  pageSize?: number;
}

export interface HttpClientOptions {
  /** Base URL, e.g. https://api.cloudflare.com/client/v4 (a path prefix is kept). */
  baseUrl: string;
  userAgent: string;
  /** Sent with every request (auth goes here; never echoed in errors). */
  headers?: Record<string, string>;
  /** Per attempt; retries are the caller's (providers/retry.ts). Default 10 s. */
  timeoutMs?: number;
  /** Plain http is refused except to loopback unless this is set (per-provider opt-out). */
  allowInsecureHttp?: boolean;
  /** Provider-specific reading of an error response (e.g. an API error envelope); undefined = default mapping. */
  classify?: (status: number, body: string, headers: Record<string, string | string[] | undefined>) => ProviderError | undefined;
  /** Name used in messages: "Cloudflare", "PowerDNS". */
  service: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RequestOptions {
  searchParams?: Record<string, string | number>;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  /** Statuses the caller handles itself instead of getting an error (e.g. 404 → "missing"). */
  accept?: number[];
}

export interface HttpClient {
  /** path '' requests the base URL itself, exactly as given (a webhook URL), and leaves it out of messages. */
  request(method: HttpMethod, path: string, opts?: RequestOptions): Promise<HttpResponse>;
  /** request() and JSON.parse of the body; malformed JSON is a transient error. */
  json<T>(method: HttpMethod, path: string, opts?: RequestOptions): Promise<{ status: number; data: T; headers: HttpResponse['headers'] }>;
}

/**
 * A got client for provider APIs: the User-Agent on every request, no got-level retry (one policy in
 * retry.ts), errors mapped to ProviderError kinds, and messages that carry method, path and status
 * but never headers, query strings or request bodies.
 */
export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const base = assertSafeUrl(opts.baseUrl, opts.allowInsecureHttp, opts.service);
  const prefix = base.href.replace(/\/$/, '');
  const client = got.extend({
    headers: { 'user-agent': opts.userAgent, ...opts.headers },
    timeout: { request: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    responseType: 'text',
  });

  const request = async (method: HttpMethod, path: string, ro: RequestOptions = {}): Promise<HttpResponse> => {
    const where = path === '' ? `${opts.service} ${method}` : `${opts.service} ${method} ${path.split('?')[0]}`;
    let res;
    try {
      res = await client(path === '' ? base.href : `${prefix}${path}`, {
        method,
        ...(ro.searchParams ? { searchParams: ro.searchParams } : {}),
        ...(ro.json !== undefined ? { json: ro.json } : {}),
        ...(ro.body !== undefined ? { body: ro.body } : {}),
        ...(ro.headers ? { headers: ro.headers } : {}),
      });
    } catch (e) {
      throw new ProviderError('transient', `${where}: ${noAnswer(e instanceof RequestError ? e.code : 'ERROR', base, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS)}`);
    }
    const status = res.statusCode;
    const body = String(res.body ?? '');
    if ((status >= 200 && status < 300) || ro.accept?.includes(status)) return { status, headers: res.headers, body };
    const custom = opts.classify?.(status, body, res.headers);
    if (custom) throw custom;
    throw defaultHttpError(where, status, res.headers);
  };

  return {
    request,
    async json<T>(method: HttpMethod, path: string, ro?: RequestOptions) {
      const res = await request(method, path, ro);
      if (res.status === 204 || res.body === '') return { status: res.status, data: undefined as T, headers: res.headers };
      try {
        return { status: res.status, data: JSON.parse(res.body) as T, headers: res.headers };
      } catch {
        throw new ProviderError('transient', `${opts.service} ${method} ${path.split('?')[0]}: the response is not JSON (HTTP ${res.status})`);
      }
    },
  };
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Why a request got no answer, naming host:port so a wrong endpoint or a firewall is visible. Only
 * the host and port: a URL's user, password, path and query can hold secrets.
 */
export function noAnswer(code: string, url: URL, timeoutMs: number): string {
  const at = `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused by ${at} (ECONNREFUSED): nothing listens there, or a firewall refuses`;
    case 'ETIMEDOUT':
      return `timed out: no answer from ${at} within ${timeoutMs / 1000}s (ETIMEDOUT)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot reach ${at} (${code}): no route to it from this machine`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve ${url.hostname} (${code})`;
    case 'ECONNRESET':
      return `${at} closed the connection (ECONNRESET)`;
    default:
      return `${code} from ${at}`;
  }
}

export function defaultHttpError(where: string, status: number, headers: HttpResponse['headers']): ProviderError {
  if (status === 401 || status === 403) return new ProviderError('auth', `${where}: HTTP ${status} (credentials rejected or lacking permission)`);
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return new ProviderError('rate-limited', `${where}: HTTP 429 (rate limited)`, retryAfterMs === undefined ? {} : { retryAfterMs });
  }
  if (status >= 500 || status === 408) return new ProviderError('transient', `${where}: HTTP ${status}`);
  return new ProviderError('fatal', `${where}: HTTP ${status}`);
}

/** Retry-After as seconds or an HTTP date → milliseconds. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * How long a 429 asks to wait: Retry-After when sent, else until `resetHeader` (Unix seconds, as
 * DigitalOcean's `ratelimit-reset` and Linode's `x-ratelimit-reset` give it).
 */
export function rateLimitWaitMs(headers: HttpResponse['headers'], resetHeader: string, now = Date.now()): number | undefined {
  const retryAfter = parseRetryAfter(headers['retry-after'], now);
  if (retryAfter !== undefined) return retryAfter;
  const raw = headers[resetHeader];
  const reset = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : undefined;
}

/**
 * Runs one request and the reading of its answer; a ProviderError from `classify` or the reader
 * (which do not know the request) comes out naming it: `Service METHOD /path: …`.
 */
export async function namingRequest<T>(service: string, method: HttpMethod, path: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof ProviderError && !e.message.startsWith(`${service} `)) {
      throw new ProviderError(e.kind, `${service} ${method} ${path.split('?')[0]}: ${e.message}`, {
        ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
        ...(e.code !== undefined ? { code: e.code } : {}),
      });
    }
    throw e;
  }
}
