import { z } from 'zod';
import type { RecordType } from '../../src/core/types.js';
import { isInZone, normalizeDnsName } from '../../src/util/dns-name.js';
import { canonicalIp, ipFamily, sameAddressSet } from '../../src/util/ip.js';
import { assertSafeUrl } from '../http.js';
import { ProviderError } from '../errors.js';
import type { CurrentRecord, Provider, ProviderContext, ProviderFactory, RecordRef, WriteRequest } from '../types.js';
import { DEFAULT_ENDPOINT, Route53Api } from './api.js';
import { resolveCredentials } from './credentials.js';
import { toFqdn, type Change } from './parse.js';
import type { AwsCredentials } from './sign.js';

const DOMAIN_RE = /^(?!-)[A-Za-z0-9_-]{1,63}(?:\.(?!-)[A-Za-z0-9_-]{1,63})*\.?$/;
const DEFAULT_WAIT_TIMEOUT_MS = 60_000;
const DEFAULT_WAIT_INTERVAL_MS = 2_000;

export const route53ConfigSchema = z
  .object({
    type: z.literal('route53').describe('Provider kind: AWS Route 53 (REST API 2013-04-01, SigV4).'),
    hostedZoneId: z
      .string()
      .regex(/^(?:\/hostedzone\/)?[A-Za-z0-9]{1,32}$/, 'must be a hosted zone id like Z0123456789ABC')
      .optional()
      .describe('The hosted zone\'s id (Z0123456789ABC). Give this or `zone`.'),
    zone: z
      .string()
      .regex(DOMAIN_RE, 'must be a domain name')
      .optional()
      .describe('The hosted zone\'s name (example.com), looked up with ListHostedZonesByName. Give this or `hostedZoneId`.'),
    privateZone: z
      .boolean()
      .optional()
      .describe('With `zone`: use the private hosted zone of that name instead of the public one. Default false.'),
    profile: z
      .string()
      .min(1)
      .optional()
      .describe('Profile in the shared credentials file ($AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials) or ~/.aws/config. Default: env keys, then $AWS_PROFILE, then "default".'),
    accessKeyId: z.string().min(1).optional().describe('Access key id. Needs secretAccessKey (or secretAccessKeyFile). Default: env, then the profile.'),
    secretAccessKey: z.string().min(1).optional().describe('Secret access key; prefer secretAccessKeyFile or ${ENV}. Never printed.'),
    secretAccessKeyFile: z.string().min(1).optional().describe('File holding the secret access key (read at load time).'),
    sessionToken: z.string().min(1).optional().describe('Session token of temporary credentials (with accessKeyId). Never printed.'),
    sessionTokenFile: z.string().min(1).optional().describe('File holding the session token (read at load time).'),
    wait: z
      .boolean()
      .optional()
      .describe('After a change, poll GetChange until Route 53 reports INSYNC (every 2 s, at most 60 s). Default false.'),
    endpoint: z.url().optional().describe(`API base URL. Default ${DEFAULT_ENDPOINT}.`),
    allowInsecureHttp: z.boolean().optional().describe('Allow a plain-http endpoint that is not loopback. Default false.'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.hostedZoneId === !c.zone) ctx.addIssue({ code: 'custom', path: ['hostedZoneId'], message: 'give either hostedZoneId or zone' });
    if (c.privateZone !== undefined && !c.zone) ctx.addIssue({ code: 'custom', path: ['privateZone'], message: 'privateZone needs zone (with hostedZoneId it is implied)' });
    const hasSecret = c.secretAccessKey !== undefined || c.secretAccessKeyFile !== undefined;
    if (c.accessKeyId && !hasSecret) ctx.addIssue({ code: 'custom', path: ['secretAccessKey'], message: 'accessKeyId needs secretAccessKey or secretAccessKeyFile' });
    if (!c.accessKeyId && hasSecret) ctx.addIssue({ code: 'custom', path: ['accessKeyId'], message: 'secretAccessKey needs accessKeyId' });
    if (!c.accessKeyId && (c.sessionToken !== undefined || c.sessionTokenFile !== undefined)) ctx.addIssue({ code: 'custom', path: ['sessionToken'], message: 'sessionToken needs accessKeyId and secretAccessKey' });
    if (c.profile && c.accessKeyId) ctx.addIssue({ code: 'custom', path: ['profile'], message: 'give either profile or accessKeyId, not both' });
  })
  .describe('AWS Route 53: replaces the rrset with a compare-and-set change batch [DELETE old, CREATE new].');

export type Route53Config = z.infer<typeof route53ConfigSchema>;

export interface Route53Deps {
  /** Environment for credentials (default process.env). */
  env?: Record<string, string | undefined>;
  homeDir?: string;
  now?: () => Date;
  /** `wait: true` polling; tests shorten these. */
  waitIntervalMs?: number;
  waitTimeoutMs?: number;
  /** Per HTTP attempt (default 10 s). */
  timeoutMs?: number;
}

export function createRoute53Provider(config: Route53Config, ctx: ProviderContext, deps: Route53Deps = {}): Provider {
  const endpoint = config.endpoint ?? DEFAULT_ENDPOINT;
  assertSafeUrl(endpoint, config.allowInsecureHttp, 'Route 53 endpoint');
  let credentials: AwsCredentials | undefined;
  const api = new Route53Api({
    endpoint,
    userAgent: ctx.userAgent,
    ...(config.allowInsecureHttp !== undefined ? { allowInsecureHttp: config.allowInsecureHttp } : {}),
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    credentials: () =>
      (credentials ??= resolveCredentials({
        ...(config.accessKeyId ? { accessKeyId: config.accessKeyId } : {}),
        ...(config.secretAccessKey ? { secretAccessKey: config.secretAccessKey } : {}),
        ...(config.sessionToken ? { sessionToken: config.sessionToken } : {}),
        ...(config.profile ? { profile: config.profile } : {}),
        env: deps.env ?? process.env,
        ...(deps.homeDir ? { homeDir: deps.homeDir } : {}),
      })),
  });
  const zoneName = config.zone ? config.zone.toLowerCase().replace(/\.$/, '') : undefined;
  const waitIntervalMs = deps.waitIntervalMs ?? DEFAULT_WAIT_INTERVAL_MS;
  const waitTimeoutMs = deps.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;

  let zoneId: Promise<string> | undefined = config.hostedZoneId ? Promise.resolve(config.hostedZoneId.replace(/^\/hostedzone\//, '')) : undefined;
  const hostedZoneId = (): Promise<string> => {
    zoneId ??= findZone(api, zoneName!, config.privateZone ?? false).catch((e: unknown) => {
      zoneId = undefined; // a failed lookup is tried again next time
      throw e;
    });
    return zoneId;
  };

  const checkName = (ref: RecordRef): string => {
    const wildcard = ref.name.startsWith('*.');
    const rest = normalizeDnsName(wildcard ? ref.name.slice(2) : ref.name);
    const name = rest && (wildcard ? `*.${rest}` : rest);
    if (!name) throw new ProviderError('fatal', `${JSON.stringify(ref.name)} is not a valid record name`);
    if (zoneName && !isInZone(name, zoneName)) throw new ProviderError('fatal', `${name} is not inside hosted zone ${zoneName}`);
    return name;
  };

  const read = async (ref: RecordRef): Promise<CurrentRecord | null> => {
    const name = checkName(ref);
    const page = await api.listRrsets(await hostedZoneId(), toFqdn(name), ref.type, 1);
    const first = page.rrsets[0];
    // The listing starts at the first rrset at or after (name, type): anything else means "missing".
    if (!first || first.name !== name || first.type !== ref.type) return null;
    if (first.alias) throw new ProviderError('fatal', `${name} ${ref.type} is an alias record in Route 53; dnsfail manages only plain records (delete the alias or use another name)`);
    if (first.setIdentifier !== undefined) {
      throw new ProviderError('fatal', `${name} ${ref.type} has a routing policy in Route 53 (SetIdentifier ${JSON.stringify(first.setIdentifier)}); dnsfail manages only simple records`);
    }
    return { values: first.values, ...(first.ttl !== undefined ? { ttl: first.ttl } : {}) };
  };

  const waitInSync = async (changeId: string): Promise<void> => {
    const deadline = Date.now() + waitTimeoutMs;
    for (;;) {
      await new Promise((r) => setTimeout(r, waitIntervalMs));
      try {
        if ((await api.getChange(changeId)).status === 'INSYNC') return;
      } catch (e) {
        // Polling, not retrying: a throttled or failed poll just waits for the next one.
        if (!(e instanceof ProviderError && (e.kind === 'transient' || e.kind === 'rate-limited'))) throw e;
      }
      if (Date.now() + waitIntervalMs > deadline) {
        throw new ProviderError('fatal', `Route 53 accepted change ${changeId} but it was not INSYNC after ${Math.round(waitTimeoutMs / 1000)} s (wait: true); it will still apply`);
      }
    }
  };

  return {
    read,

    async write(ref: RecordRef, req: WriteRequest): Promise<void> {
      const name = checkName(ref);
      const values = [...new Set(req.values.map((v) => checkAddress(ref.type, v)))];
      if (values.length === 0) throw new ProviderError('fatal', `refusing to write an empty ${ref.type} rrset for ${name}`);
      let previous = req.previous;
      if (previous && previous.ttl === undefined) {
        // A DELETE must repeat the TTL exactly: learn it, and make sure the values are still the ones we were given.
        const now = await read(ref);
        if (!now || !sameAddressSet(now.values, previous.values)) throw conflict(name, ref.type);
        previous = now;
      }
      if (previous && sameAddressSet(previous.values, values) && previous.ttl === req.ttl) return;

      const wanted: Change = { action: 'CREATE', name, type: ref.type, ttl: req.ttl, values };
      const changes: Change[] = previous ? [{ action: 'DELETE', name, type: ref.type, ttl: previous.ttl!, values: previous.values }, wanted] : [wanted];
      let change;
      try {
        change = await api.changeRrsets(await hostedZoneId(), changes);
      } catch (e) {
        if (!(e instanceof ProviderError && e.kind === 'conflict')) throw e;
        // Lost the compare-and-set. If the rrset already is what we want (an earlier attempt whose answer
        // was lost, or someone made the same change), the write is done; otherwise leave it to the next run.
        const now = await read(ref);
        if (now && sameAddressSet(now.values, values) && now.ttl === req.ttl) return;
        throw conflict(name, ref.type, e);
      }
      if (config.wait && change.status !== 'INSYNC') await waitInSync(change.id);
    },
  };
}

function conflict(name: string, type: RecordType, cause?: unknown): ProviderError {
  return new ProviderError('conflict', `${name} ${type} changed in Route 53 since it was read; not overwriting (the next run re-reads it)`, cause === undefined ? {} : { cause });
}

function checkAddress(type: RecordType, value: string): string {
  if (ipFamily(value) !== (type === 'A' ? 4 : 6)) throw new ProviderError('fatal', `${JSON.stringify(value)} is not an ${type === 'A' ? 'IPv4' : 'IPv6'} address`);
  return canonicalIp(value);
}

/** The hosted zone named exactly `zone`: the public one, or with privateZone the private one. */
async function findZone(api: Route53Api, zone: string, privateZone: boolean): Promise<string> {
  const page = await api.hostedZonesByName(zone);
  const named = page.zones.filter((z) => z.name === zone);
  const matching = named.filter((z) => z.privateZone === privateZone);
  const kind = privateZone ? 'private' : 'public';
  if (matching.length === 1) return matching[0]!.id;
  if (matching.length > 1) throw new ProviderError('fatal', `several ${kind} hosted zones are named ${zone} (${matching.map((z) => z.id).join(', ')}): set hostedZoneId`);
  const other = named.length ? ` (there is a ${privateZone ? 'public' : 'private'} one: ${privateZone ? 'remove privateZone' : 'set privateZone: true'}, or set hostedZoneId)` : '';
  throw new ProviderError('fatal', `no ${kind} hosted zone named ${zone} in this AWS account${other}`);
}

export const route53Provider: ProviderFactory<Route53Config> = {
  kind: 'route53',
  description: 'AWS Route 53: compare-and-set change batches signed with SigV4; reads the rrset first.',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: true },
  secretKeys: ['secretAccessKey', 'sessionToken'],
  configSchema: route53ConfigSchema,
  create: (config, ctx) => createRoute53Provider(config, ctx),
};

export default route53Provider;
