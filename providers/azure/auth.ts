import { ProviderError } from '../kit/errors.js';
import { createHttpClient } from '../kit/http.js';
import { accessTokenOf, cachedAccessToken, type AccessToken } from '../kit/access-token.js';
import type { AzureConfig } from './index.js';

export const DEFAULT_LOGIN_ENDPOINT = 'https://login.microsoftonline.com';
export const DEFAULT_IDENTITY_ENDPOINT = 'http://169.254.169.254/metadata/identity/oauth2/token';

/** Where an Azure access token comes from: a service principal's secret, or the VM's managed identity. */
export type AzureCredentials =
  | { kind: 'client-secret'; tenantId: string; clientId: string; clientSecret: string; loginEndpoint: string }
  | { kind: 'managed-identity'; identityEndpoint: string; clientId?: string };

/** The credentials a config gives: the VM's managed identity, else a service principal's secret. */
export function azureCredentials(config: AzureConfig): AzureCredentials {
  if (config.managedIdentity) return { kind: 'managed-identity', identityEndpoint: config.identityEndpoint ?? DEFAULT_IDENTITY_ENDPOINT, ...(config.clientId ? { clientId: config.clientId } : {}) };
  if (!config.clientSecret) throw new ProviderError('fatal', 'azure: clientSecret (or clientSecretFile) is required');
  return { kind: 'client-secret', tenantId: config.tenantId!, clientId: config.clientId!, clientSecret: config.clientSecret, loginEndpoint: config.loginEndpoint ?? DEFAULT_LOGIN_ENDPOINT };
}

export interface TokenSourceOptions {
  credentials: AzureCredentials;
  /** The ARM origin the token is for, e.g. https://management.azure.com/ */
  resource: string;
  userAgent: string;
  allowInsecureHttp?: boolean;
  timeoutMs?: number;
}

/** An access token for ARM, fetched once and kept for its lifetime within the run. */
export function createTokenSource(o: TokenSourceOptions): () => Promise<string> {
  const c = o.credentials;
  const base = c.kind === 'client-secret' ? c.loginEndpoint : c.identityEndpoint;
  const http = createHttpClient({
    baseUrl: base,
    userAgent: o.userAgent,
    service: c.kind === 'client-secret' ? 'Azure login' : 'Azure managed identity',
    // IMDS is plain http on a link-local address by design; the token never leaves the host.
    allowInsecureHttp: c.kind === 'managed-identity' || o.allowInsecureHttp === true,
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    classify: (status, body) => (status === 400 || status === 401 || status === 403 ? new ProviderError('auth', loginError(c, status, body)) : undefined),
  });

  const fetchToken = async (): Promise<AccessToken> => {
    const res =
      c.kind === 'client-secret'
        ? await http.json<unknown>('POST', `/${encodeURIComponent(c.tenantId)}/oauth2/v2.0/token`, {
            body: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret, scope: `${o.resource}.default` }).toString(),
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          })
        : await http.json<unknown>('GET', '', {
            searchParams: { 'api-version': '2018-02-01', resource: o.resource, ...(c.clientId ? { client_id: c.clientId } : {}) },
            headers: { metadata: 'true' },
          });
    return accessTokenOf(res.data, where(c));
  };

  return cachedAccessToken(fetchToken);
}

const where = (c: AzureCredentials) => (c.kind === 'client-secret' ? 'Azure login' : 'Azure managed identity');

/** "AADSTS7000215: Invalid client secret provided…" → its first sentence, with the fix. */
function loginError(c: AzureCredentials, status: number, body: string): string {
  let detail = '';
  try {
    const data = JSON.parse(body) as { error?: unknown; error_description?: unknown };
    const description = typeof data.error_description === 'string' ? data.error_description.split(/\r?\n|\. /)[0] : '';
    detail = [typeof data.error === 'string' ? data.error : '', description].filter(Boolean).join(': ');
  } catch {
    // not JSON: status only
  }
  const fix =
    c.kind === 'client-secret'
      ? 'check tenantId, clientId and clientSecret (an expired secret must be renewed in the app registration)'
      : 'check that this machine has a managed identity and, for a user-assigned one, its clientId';
  return `${where(c)}: HTTP ${status}${detail ? ` ${detail}` : ''}; ${fix}`;
}
