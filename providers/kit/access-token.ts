import { ProviderError } from './errors.js';

/** An access token and when it stops being good (ms since the epoch). */
export interface AccessToken {
  token: string;
  expiresAt: number;
}

/** A token is renewed this long before it expires, so no request goes out with one about to lapse. */
const RENEW_EARLY_MS = 60_000;
/** When an OAuth answer does not say how long its token lasts. */
const DEFAULT_LIFETIME_MS = 300_000;

/** An OAuth 2.0 token endpoint's JSON answer ({access_token, expires_in}) read as a token; `where` names the endpoint in errors. */
export function accessTokenOf(data: unknown, where: string, now = Date.now()): AccessToken {
  const d = data as { access_token?: unknown; expires_in?: unknown } | undefined;
  if (typeof d?.access_token !== 'string' || d.access_token === '') throw new ProviderError('transient', `${where}: the answer holds no access_token`);
  const seconds = Number(d.expires_in);
  return { token: d.access_token, expiresAt: now + (Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_LIFETIME_MS) };
}

/** A token source that fetches once, keeps the token until shortly before it expires, and fetches again after a failure. */
export function cachedAccessToken(fetchToken: () => Promise<AccessToken>): () => Promise<string> {
  let current: Promise<AccessToken> | undefined;
  return async () => {
    const held = current && (await current.catch(() => undefined));
    if (held && held.expiresAt - RENEW_EARLY_MS > Date.now()) return held.token;
    current = fetchToken();
    return (await current).token;
  };
}
