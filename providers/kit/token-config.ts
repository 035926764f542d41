import * as z from 'zod/mini';
import { assertSafeUrl } from './url.js';
import { nonEmpty, optional } from './schema.js';

/**
 * The config keys of an HTTP API with one token: token or tokenFile, endpoint and allowInsecureHttp.
 * `tokenHelp` says what the token must be allowed to do; `scheme` is the Authorization scheme it is sent with.
 */
export function tokenKeys(tokenHelp: string, defaultEndpoint: string, scheme = 'Bearer') {
  return {
    token: optional(
      z.string().check(z.regex(/^\S+$/, `must be one word, without spaces or line breaks (give the token alone, without "${scheme}")`)),
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
