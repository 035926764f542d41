import { importPKCS8, SignJWT } from 'jose';
import { ProviderError } from '../kit/errors.js';
import { createHttpClient } from '../kit/http.js';
import { parseServiceAccountKey, type ServiceAccountKey } from './parse.js';
import type { GoogleConfig } from './index.js';
import { accessTokenOf, cachedAccessToken, type AccessToken } from '../kit/access-token.js';

export const DEFAULT_TOKEN_ENDPOINT = 'https://oauth2.googleapis.com/token';
export const DEFAULT_METADATA_ENDPOINT = 'http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token';
export const SCOPE = 'https://www.googleapis.com/auth/ndev.clouddns.readwrite';

/** Where a Cloud DNS access token comes from. */
export type GoogleCredentials =
  | { kind: 'access-token'; token: string }
  | { kind: 'service-account'; key: ServiceAccountKey; tokenEndpoint: string }
  | { kind: 'metadata'; metadataEndpoint: string };

/** The credentials a config gives: the metadata server, else a service-account key, else an access token. */
export function googleCredentials(config: GoogleConfig): GoogleCredentials {
  if (config.metadataServer) return { kind: 'metadata', metadataEndpoint: config.metadataEndpoint ?? DEFAULT_METADATA_ENDPOINT };
  if (config.serviceAccountKey) return { kind: 'service-account', key: parseServiceAccountKey(config.serviceAccountKey), tokenEndpoint: config.tokenEndpoint ?? DEFAULT_TOKEN_ENDPOINT };
  if (!config.accessToken) throw new ProviderError('fatal', 'googleclouddns: no credentials (serviceAccountKeyFile, accessToken or metadataServer)');
  return { kind: 'access-token', token: config.accessToken };
}

/**
 * An access token, fetched once and kept for its lifetime within the run: a service-account key
 * signs a JWT (RS256, with jose) exchanged at the token endpoint (RFC 7523), or the metadata server
 * of a Google Cloud VM hands one out, or the config gives one.
 */
export function createTokenSource(c: GoogleCredentials, o: { userAgent: string; allowInsecureHttp?: boolean; timeoutMs?: number }): () => Promise<string> {
  if (c.kind === 'access-token') return () => Promise.resolve(c.token);
  const service = c.kind === 'service-account' ? 'Google token endpoint' : 'Google metadata server';
  const fix = c.kind === 'service-account' ? 'check the service-account key (it may be deleted or disabled in IAM)' : 'check that this VM has a service account with the Cloud DNS scope';
  const http = createHttpClient({
    baseUrl: c.kind === 'service-account' ? c.tokenEndpoint : c.metadataEndpoint,
    userAgent: o.userAgent,
    service,
    // The metadata server is plain http on a link-local address by design; the token stays on the host.
    allowInsecureHttp: c.kind === 'metadata' || o.allowInsecureHttp === true,
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    classify: (status, body) => (status === 400 || status === 401 || status === 403 || status === 404 ? new ProviderError('auth', `${service}: HTTP ${status}${oauthError(body)}; ${fix}`) : undefined),
  });

  const fetchToken = async (): Promise<AccessToken> => {
    let res;
    if (c.kind === 'service-account') {
      const assertion = await signAssertion(c.key, c.tokenEndpoint);
      res = await http.json<unknown>('POST', '', {
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    } else {
      res = await http.json<unknown>('GET', '', { headers: { 'metadata-flavor': 'Google' } });
    }
    return accessTokenOf(res.data, service);
  };

  return cachedAccessToken(fetchToken);
}

async function signAssertion(key: ServiceAccountKey, audience: string): Promise<string> {
  let privateKey;
  try {
    privateKey = await importPKCS8(key.privateKey, 'RS256');
  } catch {
    throw new ProviderError('fatal', `googleclouddns: the private_key of ${key.clientEmail}'s key is not an RSA PKCS#8 PEM key; download a new JSON key`);
  }
  return new SignJWT({ scope: SCOPE })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(key.privateKeyId ? { kid: key.privateKeyId } : {}) })
    .setIssuer(key.clientEmail)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
}

/** ": invalid_grant: Invalid JWT Signature." from an OAuth error body; '' when it is not one. */
function oauthError(body: string): string {
  try {
    const data = JSON.parse(body) as { error?: unknown; error_description?: unknown };
    const parts = [typeof data.error === 'string' ? data.error : '', typeof data.error_description === 'string' ? data.error_description.slice(0, 200) : ''].filter(Boolean);
    return parts.length ? ` ${parts.join(': ')}` : '';
  } catch {
    return '';
  }
}
