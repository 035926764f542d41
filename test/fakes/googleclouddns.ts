import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify } from 'jose';
import type { ContractFault } from '../contract/provider-contract.js';
import { BIN } from '../helpers/cli.js';
import { startServerMock, type MockReply, type MockRequest, type ServerMock } from '../helpers/servermock.js';

/**
 * A local Google Cloud DNS v1 checked against a transcription of Google's discovery document
 * (test/fixtures/api-specs/googleclouddns): rrsets listed with name/type filters and nextPageToken
 * paging (small pages on request), changes applied atomically with Google's rules (a deletion must
 * match the rrset exactly: 412 conditionNotMet, 404 notFound; an addition over an existing rrset:
 * 409 alreadyExists), Google's error envelope. Tokens come from a fake OAuth token endpoint that
 * verifies the service account's RS256 JWT (RFC 7523) with the key's public half, or from a fake
 * metadata server (Metadata-Flavor: Google); neither is in the discovery document, so they run on a
 * second mock without a spec.
 */

export const GOOGLE_SPEC = join(dirname(BIN), '..', 'test', 'fixtures', 'api-specs', 'googleclouddns', 'dns-v1.json');

export interface GoogleFakeOptions {
  project: string;
  /** managedZone name → DNS name (no trailing dot). */
  zones: Record<string, string>;
  /** Most rrsets per list page. Default 100. */
  pageSize?: number;
}

export interface GoogleFake {
  /** API base (http://127.0.0.1:<port>). */
  url: string;
  tokenUrl: string;
  metadataUrl: string;
  api: ServerMock;
  auth: ServerMock;
  /** A service-account key JSON the token endpoint accepts. */
  keyJson: string;
  /** A key JSON for an account the token endpoint does not know (a deleted key). */
  unknownKeyJson: string;
  lookup(name: string, type: string): string[] | null;
  rrset(name: string, type: string): { ttl: number; rrdatas: string[] } | undefined;
  /** Sets an rrset behind the provider's back. */
  put(name: string, type: string, rrdatas: string[], ttl?: number): void;
  /** The next change finds this rrset changed just before it is applied. */
  changeBeforeNextChange(name: string, type: string, rrdatas: string[]): void;
  tokensIssued: number;
  changes: number;
  requests(): number;
  injectFault(f: ContractFault): void;
  close(): Promise<void>;
}

interface Stored {
  name: string;
  type: string;
  ttl: number;
  rrdatas: string[];
}

const googleError = (code: number, reason: string, message: string, status: string, headers?: Record<string, string>): MockReply => ({
  status: code,
  body: { error: { code, message, errors: [{ domain: 'global', reason, message }], status } },
  ...(headers ? { headers } : {}),
});

export async function startGoogleFake(o: GoogleFakeOptions): Promise<GoogleFake> {
  const store = new Map<string, Map<string, Stored>>(Object.keys(o.zones).map((z) => [z, new Map()]));
  const tokens = new Set<string>();
  let tokensIssued = 0;
  let changes = 0;
  let race: { name: string; type: string; rrdatas: string[] } | undefined;
  const email = `dnsfail@${o.project}.iam.gserviceaccount.com`;
  const makeKey = async (clientEmail: string) => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const json = JSON.stringify({ type: 'service_account', project_id: o.project, private_key_id: randomBytes(20).toString('hex'), private_key: await exportPKCS8(privateKey), client_email: clientEmail, token_uri: 'https://oauth2.googleapis.com/token' });
    return { json, spki: await exportSPKI(publicKey) };
  };
  const known = await makeKey(email);
  const unknown = await makeKey(`gone@${o.project}.iam.gserviceaccount.com`);
  const verifyKey = await importSPKI(known.spki, 'RS256');
  const key = (name: string, type: string) => `${name.toLowerCase().replace(/\.?$/, '.')}|${type}`;
  const zoneOf = (name: string) => Object.entries(o.zones).find(([, dns]) => name === dns || name.endsWith(`.${dns}`))?.[0];
  const issue = (): MockReply => {
    const token = `ya29.${randomBytes(24).toString('base64url')}`;
    tokens.add(token);
    tokensIssued++;
    return { status: 200, body: { access_token: token, expires_in: 3599, token_type: 'Bearer' } };
  };
  const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

  const zone = (req: MockRequest): Map<string, Stored> | MockReply => {
    if (req.params.project !== o.project) return googleError(403, 'forbidden', `The caller does not have permission`, 'PERMISSION_DENIED');
    return store.get(req.params.managedZone!) ?? googleError(404, 'notFound', `The 'parameters.managedZone' resource named '${req.params.managedZone}' does not exist.`, 'NOT_FOUND');
  };

  const api = await startServerMock({
    spec: { document: JSON.parse(readFileSync(GOOGLE_SPEC, 'utf8')) as Record<string, unknown>, source: 'Cloud DNS v1 discovery (transcription)' },
    before: (req) => {
      const auth = String(req.headers.authorization ?? '');
      if (!auth.startsWith('Bearer ') || !tokens.has(auth.slice(7))) {
        return googleError(401, 'authError', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', 'UNAUTHENTICATED');
      }
      return undefined;
    },
    faultReply: (f) =>
      f.kind === 'http-5xx'
        ? googleError(f.status ?? 500, 'backendError', 'Backend Error', 'UNAVAILABLE')
        : googleError(429, 'rateLimitExceeded', 'Quota exceeded for quota metric \'Read requests\'.', 'RESOURCE_EXHAUSTED', { 'retry-after': String(f.retryAfterS ?? 1) }),
    routes: {
      'GET /dns/v1/projects/{project}/managedZones/{managedZone}/rrsets': (req) => {
        const z = zone(req);
        if (!(z instanceof Map)) return z;
        if (req.query.type && !req.query.name) return googleError(400, 'required', 'Required parameter: name', 'INVALID_ARGUMENT');
        const all = [...z.values()]
          .filter((r) => (!req.query.name || r.name === req.query.name.toLowerCase()) && (!req.query.type || r.type === req.query.type))
          .sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type));
        const size = Math.min(Number(req.query.maxResults ?? o.pageSize ?? 100), o.pageSize ?? 100);
        const from = req.query.pageToken ? Number(Buffer.from(req.query.pageToken, 'base64url').toString()) : 0;
        const page = all.slice(from, from + size);
        const next = from + size < all.length ? Buffer.from(String(from + size)).toString('base64url') : undefined;
        return { status: 200, body: { kind: 'dns#resourceRecordSetsListResponse', rrsets: page.map((r) => ({ kind: 'dns#resourceRecordSet', ...r })), ...(next ? { nextPageToken: next } : {}) } };
      },
      'POST /dns/v1/projects/{project}/managedZones/{managedZone}/changes': (req) => {
        const z = zone(req);
        if (!(z instanceof Map)) return z;
        if (race) {
          z.set(key(race.name, race.type), { name: key(race.name, race.type).split('|')[0]!, type: race.type, ttl: z.get(key(race.name, race.type))?.ttl ?? 300, rrdatas: race.rrdatas });
          race = undefined;
        }
        const body = req.body as { additions?: Stored[]; deletions?: Stored[] };
        const next = new Map(z);
        for (const [i, d] of (body.deletions ?? []).entries()) {
          const held = next.get(key(d.name, d.type));
          if (!held) return googleError(404, 'notFound', `The 'entity.change.deletions[${i}]' resource named '${d.name} (${d.type})' does not exist.`, 'NOT_FOUND');
          if (held.ttl !== d.ttl || !sameSet(held.rrdatas, d.rrdatas)) return googleError(412, 'conditionNotMet', `Precondition not met for 'entity.change.deletions[${i}]'`, 'FAILED_PRECONDITION');
          next.delete(key(d.name, d.type));
        }
        for (const [i, a] of (body.additions ?? []).entries()) {
          if (!a.name.endsWith('.') || !zoneOf(a.name.slice(0, -1)) || zoneOf(a.name.slice(0, -1)) !== req.params.managedZone) {
            return googleError(400, 'invalid', `Invalid value for 'entity.change.additions[${i}].name': '${a.name}'`, 'INVALID_ARGUMENT');
          }
          if (next.has(key(a.name, a.type))) return googleError(409, 'alreadyExists', `The resource 'entity.change.additions[${i}]' named '${a.name} (${a.type})' already exists`, 'ALREADY_EXISTS');
          next.set(key(a.name, a.type), { name: a.name.toLowerCase(), type: a.type, ttl: a.ttl, rrdatas: a.rrdatas });
        }
        z.clear();
        for (const [k, v] of next) z.set(k, v);
        changes++;
        return { status: 200, body: { kind: 'dns#change', id: String(changes), status: 'pending', startTime: new Date().toISOString(), ...(body.additions ? { additions: body.additions } : {}), ...(body.deletions ? { deletions: body.deletions } : {}) } };
      },
    },
  });

  const auth = await startServerMock({
    routes: {
      'POST /token': async (req) => {
        const form = new URLSearchParams(req.raw);
        if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' } };
        try {
          const { payload } = await jwtVerify(form.get('assertion') ?? '', verifyKey, { issuer: email, audience: `${auth.url}/token`, algorithms: ['RS256'] });
          if (payload.scope !== 'https://www.googleapis.com/auth/ndev.clouddns.readwrite') return { status: 400, body: { error: 'invalid_scope', error_description: 'Invalid OAuth scope' } };
        } catch {
          return { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } };
        }
        return issue();
      },
      'GET /computeMetadata/v1/instance/service-accounts/default/token': (req) =>
        req.headers['metadata-flavor'] === 'Google' ? issue() : { status: 403, body: 'Missing Metadata-Flavor:Google header.' },
    },
  });

  const find = (name: string, type: string) => store.get(zoneOf(name) ?? '')?.get(key(name, type));
  return {
    url: api.url,
    tokenUrl: `${auth.url}/token`,
    metadataUrl: `${auth.url}/computeMetadata/v1/instance/service-accounts/default/token`,
    api,
    auth,
    keyJson: known.json,
    unknownKeyJson: unknown.json,
    lookup: (name, type) => find(name, type)?.rrdatas ?? null,
    rrset: (name, type) => find(name, type),
    put(name, type, rrdatas, ttl = 300) {
      store.get(zoneOf(name)!)!.set(key(name, type), { name: `${name}.`, type, ttl, rrdatas });
    },
    changeBeforeNextChange(name, type, rrdatas) {
      race = { name, type, rrdatas };
    },
    get tokensIssued() {
      return tokensIssued;
    },
    get changes() {
      return changes;
    },
    requests: () => api.requests.length + auth.requests.length,
    injectFault: (f) => api.injectFault(f),
    close: async () => {
      await api.close();
      await auth.close();
    },
  };
}
