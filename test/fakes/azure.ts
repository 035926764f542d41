import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ContractFault } from '../contract/provider-contract.js';
import { BIN } from '../helpers/cli.js';
import { startServerMock, type MockReply, type MockRequest, type ServerMock } from '../helpers/servermock.js';

/**
 * A local Azure DNS (ARM, api-version 2018-05-01) checked against Azure's own Swagger 2 description
 * (test/fixtures/api-specs/azure, an excerpt of Azure/azure-rest-api-specs dns.json): record sets
 * with etags, If-Match / If-None-Match preconditions (412 PreconditionFailed), CloudError bodies,
 * Bearer tokens from a fake Microsoft Entra ID token endpoint (client credentials) and a fake IMDS
 * (managed identity), 429 with Retry-After. The token endpoints are not part of dns.json: they run on a
 * second mock without a spec, following the Microsoft identity platform documentation.
 */

export const AZURE_SPEC = join(dirname(BIN), '..', 'test', 'fixtures', 'api-specs', 'azure', 'dns-2018-05-01.json');

export interface AzureFakeOptions {
  subscriptionId: string;
  resourceGroup: string;
  zones: string[];
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Lifetime of issued tokens, seconds. Default 3599. */
  tokenLifetimeS?: number;
}

export interface AzureRecordSetState {
  etag: string;
  properties: Record<string, unknown>;
}

export interface AzureFake {
  /** ARM base URL (http://127.0.0.1:<port>). */
  url: string;
  /** Login base URL (tenants below it). */
  loginUrl: string;
  /** The IMDS token URL. */
  identityUrl: string;
  arm: ServerMock;
  login: ServerMock;
  /** Values of an A/AAAA record set (null when none). */
  lookup(name: string, type: string): string[] | null;
  set(name: string, type: string): AzureRecordSetState | undefined;
  /** Puts a record set behind the provider's back (new etag). */
  put(name: string, type: string, properties: Record<string, unknown>): void;
  /** The next PUT finds the record set changed (a new etag) just before it is applied. */
  changeBeforeNextPut(): void;
  /** The next ARM answer is a 200 with a body that is not JSON. */
  garbleNextAnswer(): void;
  /** Tokens issued so far. */
  tokensIssued: number;
  requests(): number;
  mutations(): number;
  injectFault(f: ContractFault): void;
  close(): Promise<void>;
}

const cloudError = (status: number, code: string, message: string, headers?: Record<string, string>): MockReply => ({ status, body: { error: { code, message } }, ...(headers ? { headers } : {}) });

export async function startAzureFake(o: AzureFakeOptions): Promise<AzureFake> {
  const store = new Map<string, AzureRecordSetState>();
  const tokens = new Set<string>();
  const zones = new Set(o.zones);
  let tokensIssued = 0;
  let mutations = 0;
  let raceNextPut = false;
  let garble = false;
  const key = (zone: string, type: string, relative: string) => `${zone}|${type}|${relative.toLowerCase()}`;
  const split = (name: string): [string, string] => {
    const zone = [...zones].find((z) => name === z || name.endsWith(`.${z}`))!;
    return [zone, name === zone ? '@' : name.slice(0, -zone.length - 1)];
  };
  const newEtag = () => `${randomBytes(4).toString('hex')}-${randomBytes(2).toString('hex')}-${randomBytes(2).toString('hex')}`;
  const answer = (req: MockRequest, s: AzureRecordSetState) => {
    const { subscriptionId, resourceGroupName, zoneName, recordType, relativeRecordSetName } = req.params;
    const fqdn = relativeRecordSetName === '@' ? `${zoneName}.` : `${relativeRecordSetName}.${zoneName}.`;
    return {
      id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.Network/dnszones/${zoneName}/${recordType}/${relativeRecordSetName}`,
      name: relativeRecordSetName,
      type: `Microsoft.Network/dnszones/${recordType}`,
      etag: s.etag,
      properties: { ...s.properties, fqdn, provisioningState: 'Succeeded' },
    };
  };
  const issue = (): MockReply => {
    const token = `eyJ0eXAi.${randomBytes(24).toString('base64url')}`;
    tokens.add(token);
    tokensIssued++;
    return { status: 200, body: { token_type: 'Bearer', expires_in: o.tokenLifetimeS ?? 3599, ext_expires_in: o.tokenLifetimeS ?? 3599, access_token: token } };
  };

  const base = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/dnsZones/{zoneName}/{recordType}/{relativeRecordSetName}';
  const located = (req: MockRequest): MockReply | string => {
    const p = req.params;
    if (p.subscriptionId !== o.subscriptionId) return cloudError(404, 'SubscriptionNotFound', `The subscription '${p.subscriptionId}' could not be found.`);
    if (p.resourceGroupName !== o.resourceGroup) return cloudError(404, 'ResourceGroupNotFound', `Resource group '${p.resourceGroupName}' could not be found.`);
    if (!zones.has(p.zoneName!.toLowerCase())) return cloudError(404, 'ParentResourceNotFound', `Can not perform requested operation on nested resource. Parent resource '${p.zoneName}' not found.`);
    return key(p.zoneName!.toLowerCase(), p.recordType!, p.relativeRecordSetName!);
  };
  const preconditionFailed = (etag: string | undefined) =>
    cloudError(412, 'PreconditionFailed', etag ? `The condition '${etag}' in the If-Match header was not satisfied.` : 'The If-None-Match header was not satisfied: the record set exists.');

  const arm = await startServerMock({
    spec: { document: JSON.parse(readFileSync(AZURE_SPEC, 'utf8')) as Record<string, unknown>, source: 'Azure dns.json 2018-05-01 (excerpt)' },
    before: (req) => {
      const auth = String(req.headers.authorization ?? '');
      if (!auth.startsWith('Bearer ') || !tokens.has(auth.slice(7))) return cloudError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
      if (garble) {
        garble = false;
        return { status: 200, body: '<html>upstream proxy error' };
      }
      if (req.query['api-version'] !== '2018-05-01') return cloudError(400, 'InvalidApiVersionParameter', `The api-version '${req.query['api-version']}' is invalid.`);
      return undefined;
    },
    faultReply: (f) =>
      f.kind === 'http-5xx' ? cloudError(f.status ?? 500, 'InternalServerError', 'Encountered internal server error.') : cloudError(429, 'TooManyRequests', 'Too many requests.', { 'retry-after': String(f.retryAfterS ?? 1) }),
    routes: {
      [`GET ${base}`]: (req) => {
        const k = located(req);
        if (typeof k !== 'string') return k;
        const s = store.get(k);
        return s ? { status: 200, body: answer(req, s) } : cloudError(404, 'NotFound', `The resource record '${req.params.relativeRecordSetName}' does not exist in resource group '${o.resourceGroup}' of subscription '${o.subscriptionId}'.`);
      },
      [`PUT ${base}`]: (req) => {
        const k = located(req);
        if (typeof k !== 'string') return k;
        const s = store.get(k);
        if (raceNextPut && s) {
          raceNextPut = false;
          s.etag = newEtag();
        }
        const ifMatch = req.headers['if-match'] as string | undefined;
        if (ifMatch !== undefined && ifMatch !== '*' && s?.etag !== ifMatch) return preconditionFailed(ifMatch);
        if (req.headers['if-none-match'] === '*' && s) return preconditionFailed(undefined);
        const body = req.body as { properties?: Record<string, unknown> };
        const { fqdn: _f, provisioningState: _p, ...properties } = body.properties ?? {};
        const next = { etag: newEtag(), properties };
        store.set(k, next);
        mutations++;
        return { status: s ? 200 : 201, body: answer(req, next) };
      },
      [`DELETE ${base}`]: (req) => {
        const k = located(req);
        if (typeof k !== 'string') return k;
        const s = store.get(k);
        const ifMatch = req.headers['if-match'] as string | undefined;
        if (ifMatch !== undefined && ifMatch !== '*' && s?.etag !== ifMatch) return preconditionFailed(ifMatch);
        mutations++;
        if (!s) return { status: 204 };
        store.delete(k);
        return { status: 200 };
      },
    },
  });

  const login = await startServerMock({
    routes: {
      'POST /{tenant}/oauth2/v2.0/token': (req) => {
        const form = new URLSearchParams(req.raw);
        if (req.params.tenant !== o.tenantId) return { status: 400, body: { error: 'invalid_request', error_description: `AADSTS90002: Tenant '${req.params.tenant}' not found.\r\nTrace ID: 0` } };
        if (form.get('grant_type') !== 'client_credentials' || !form.get('scope')?.endsWith('/.default')) return { status: 400, body: { error: 'invalid_request', error_description: 'AADSTS900144: bad request' } };
        if (form.get('client_id') !== o.clientId || form.get('client_secret') !== o.clientSecret) {
          return { status: 401, body: { error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${form.get('client_id')}'.\r\nTrace ID: 0` } };
        }
        return issue();
      },
      'GET /metadata/identity/oauth2/token': (req) => {
        if (req.headers.metadata !== 'true') return { status: 400, body: { error: 'invalid_request', error_description: 'Required metadata header not specified' } };
        if (!req.query.resource || req.query['api-version'] !== '2018-02-01') return { status: 400, body: { error: 'invalid_request', error_description: 'Required query variable is missing' } };
        if (req.query.client_id !== undefined && req.query.client_id !== o.clientId) return { status: 400, body: { error: 'invalid_request', error_description: 'Identity not found' } };
        return issue();
      },
    },
  });

  return {
    url: arm.url,
    loginUrl: login.url,
    identityUrl: `${login.url}/metadata/identity/oauth2/token`,
    arm,
    login,
    lookup(name, type) {
      const [zone, relative] = split(name);
      const s = store.get(key(zone, type, relative));
      const list = (type === 'A' ? s?.properties.ARecords : s?.properties.AAAARecords) as Array<Record<string, string>> | undefined;
      return list && list.length ? list.map((r) => r.ipv4Address ?? r.ipv6Address!) : null;
    },
    set(name, type) {
      const [zone, relative] = split(name);
      return store.get(key(zone, type, relative));
    },
    put(name, type, properties) {
      const [zone, relative] = split(name);
      store.set(key(zone, type, relative), { etag: newEtag(), properties });
    },
    changeBeforeNextPut: () => void (raceNextPut = true),
    garbleNextAnswer: () => void (garble = true),
    get tokensIssued() {
      return tokensIssued;
    },
    requests: () => arm.requests.length + login.requests.length,
    mutations: () => mutations,
    injectFault: (f) => arm.injectFault(f),
    close: async () => {
      await arm.close();
      await login.close();
    },
  };
}
