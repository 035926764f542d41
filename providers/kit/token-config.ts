import * as z from 'zod/mini';
import { ProviderError } from './errors.js';
import { createHttpClient, type HttpClient, type HttpClientOptions, type HttpDeps } from './http.js';
import type { ProviderContext } from './types.js';
import { assertSafeUrl } from './url.js';
import { nonEmpty, optional } from './schema.js';

/**
 * The config keys of an HTTP API with one token: token or tokenFile, endpoint and allowInsecureHttp.
 * `tokenHelp` says what the token must be allowed to do; `scheme` is the Authorization scheme it is sent with.
 */
export function tokenKeys(tokenHelp: string, defaultEndpoint: string, scheme = 'Bearer') {
  return {
    token: optional(
      // A token copied with its header from a curl example: dnsfail adds the scheme itself, so the service would see it twice.
      z.string().check(
        z.regex(/^\S+$/, {
          error: (issue) =>
            new RegExp(`^${scheme}\\s`, 'i').test(String(issue.input))
              ? `drop "${scheme} " from the start: give the token alone (dnsfail sends it as "Authorization: ${scheme} <token>")`
              : 'must be one word, without spaces or line breaks',
        }),
      ),
      `${tokenHelp} Sent as Authorization: ${scheme}. Use \${ENV} or tokenFile rather than writing it here.`,
    ),
    tokenFile: optional(nonEmpty(), 'File holding the token (trailing newline ignored); relative to the config file.'),
    endpoint: optional(nonEmpty(), `Base URL of the API. Default ${defaultEndpoint}.`),
    allowInsecureHttp: optional(z.boolean(), 'Allow plain http to a non-loopback endpoint (the token then crosses the network in clear).'),
  };
}

/** The checks that go with tokenKeys: a token is given, and the endpoint is safe. */
export const checkTokenKeys = () =>
  z.superRefine((c: { token?: string | undefined; tokenFile?: string | undefined; endpoint?: string | undefined; allowInsecureHttp?: boolean | undefined }, ctx) => {
  if (!c.token && !c.tokenFile) ctx.addIssue({ code: 'custom', path: ['token'], message: 'token (or tokenFile) is required' });
  if (c.endpoint) {
    try {
      assertSafeUrl(c.endpoint, c.allowInsecureHttp, 'endpoint');
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['endpoint'], message: (e as Error).message });
    }
  }
  });

/** What the client of an API with one token needs: where it is, the token, and transport options. */
export interface TokenApiOptions {
  endpoint: string;
  token: string;
  userAgent: string;
  allowInsecureHttp?: boolean;
  timeoutMs?: number;
}

/**
 * The client options of a provider configured with tokenKeys: its endpoint (or the API's default), the
 * token, which must be there by now (tokenFile is read at load time), and the run's user agent.
 */
export function tokenApiOptions(
  kind: string,
  config: { token?: string | undefined; endpoint?: string | undefined; allowInsecureHttp?: boolean | undefined },
  ctx: ProviderContext,
  deps: HttpDeps,
  defaultEndpoint: string,
): TokenApiOptions {
  if (!config.token) throw new ProviderError('fatal', `${kind}: token (or tokenFile) is required`);
  return {
    endpoint: config.endpoint ?? defaultEndpoint,
    token: config.token,
    userAgent: ctx.userAgent,
    ...(config.allowInsecureHttp !== undefined ? { allowInsecureHttp: config.allowInsecureHttp } : {}),
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
  };
}

/** The kit's HTTP client for such an API, sending `Authorization: <scheme> <token>` with every request. */
export function tokenHttpClient(o: TokenApiOptions, service: string, classify: HttpClientOptions['classify'], scheme = 'Bearer'): HttpClient {
  return createHttpClient({
    baseUrl: o.endpoint,
    userAgent: o.userAgent,
    headers: { authorization: `${scheme} ${o.token}` },
    ...(o.allowInsecureHttp !== undefined ? { allowInsecureHttp: o.allowInsecureHttp } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    service,
    ...(classify ? { classify } : {}),
  });
}
