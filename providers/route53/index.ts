import * as z from 'zod/mini';
import { doc, nonEmpty, optional } from '../kit/schema.js';
import { isInZone, normalizeDnsName } from '../kit/dns-name.js';
import { assertSafeUrl } from '../kit/url.js';
import { ProviderError } from '../kit/errors.js';
import { bareName, domainName } from '../kit/records.js';
import type { Provider, ProviderContext, ProviderFactory, RecordRef } from '../kit/types.js';
import { createRoute53Api, DEFAULT_ENDPOINT, type Route53Api } from './api.js';
import { createReadMany } from './read-many.js';
import { createWriteMany } from './write-many.js';

const DEFAULT_WAIT_TIMEOUT_MS = 60_000;
const DEFAULT_WAIT_INTERVAL_MS = 2_000;

export const route53ConfigSchema = doc(
  z
    .strictObject({
      type: doc(z.literal('route53'), 'Provider kind: AWS Route 53 (REST API 2013-04-01, SigV4).'),
      hostedZoneId: optional(
        z.string().check(z.regex(/^(?:\/hostedzone\/)?[A-Za-z0-9]{1,32}$/, 'must be a hosted zone id like Z0123456789ABC')),
        'The hosted zone\'s id (Z0123456789ABC). Give this or `zone`.',
      ),
      zone: optional(
        domainName(),
        'The hosted zone\'s name (example.com), looked up with ListHostedZonesByName. Give this or `hostedZoneId`.',
      ),
      privateZone: optional(z.boolean(), 'With `zone`: use the private hosted zone of that name instead of the public one. Default false.'),
      profile: optional(
        nonEmpty(),
        'Profile in the shared credentials file ($AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials) or ~/.aws/config. Default: env keys, then $AWS_PROFILE, then "default".',
      ),
      accessKeyId: optional(nonEmpty(), 'Access key id. Needs secretAccessKey (or secretAccessKeyFile). Default: env, then the profile.'),
      secretAccessKey: optional(nonEmpty(), 'Secret access key; prefer secretAccessKeyFile or ${ENV}. Never printed.'),
      secretAccessKeyFile: optional(nonEmpty(), 'File holding the secret access key (read at load time).'),
      sessionToken: optional(nonEmpty(), 'Session token of temporary credentials (with accessKeyId). Never printed.'),
      sessionTokenFile: optional(nonEmpty(), 'File holding the session token (read at load time).'),
      wait: optional(z.boolean(), 'After a change, poll GetChange until Route 53 reports INSYNC (every 2 s, at most 60 s). Default false.'),
      endpoint: optional(nonEmpty(), `API base URL. Default ${DEFAULT_ENDPOINT}.`),
      allowInsecureHttp: optional(z.boolean(), 'Allow a plain-http endpoint that is not loopback. Default false.'),
    })
    .check(
      z.superRefine((c, ctx) => {
        if (!c.hostedZoneId === !c.zone) ctx.addIssue({ code: 'custom', path: ['hostedZoneId'], message: 'give either hostedZoneId or zone' });
        if (c.privateZone !== undefined && !c.zone) ctx.addIssue({ code: 'custom', path: ['privateZone'], message: 'privateZone needs zone (with hostedZoneId it is implied)' });
        const hasSecret = c.secretAccessKey !== undefined || c.secretAccessKeyFile !== undefined;
        if (c.accessKeyId && !hasSecret) ctx.addIssue({ code: 'custom', path: ['secretAccessKey'], message: 'accessKeyId needs secretAccessKey or secretAccessKeyFile' });
        if (!c.accessKeyId && hasSecret) ctx.addIssue({ code: 'custom', path: ['accessKeyId'], message: 'secretAccessKey needs accessKeyId' });
        if (!c.accessKeyId && (c.sessionToken !== undefined || c.sessionTokenFile !== undefined)) ctx.addIssue({ code: 'custom', path: ['sessionToken'], message: 'sessionToken needs accessKeyId and secretAccessKey' });
        if (c.profile && c.accessKeyId) ctx.addIssue({ code: 'custom', path: ['profile'], message: 'give either profile or accessKeyId, not both' });
        if (c.endpoint) {
          try {
            assertSafeUrl(c.endpoint, c.allowInsecureHttp, 'endpoint');
          } catch (e) {
            ctx.addIssue({ code: 'custom', path: ['endpoint'], message: (e as Error).message.slice('endpoint: '.length) });
          }
        }
      }),
    ),
  'AWS Route 53: replaces the rrset with a compare-and-set change batch [DELETE old, CREATE new].',
);

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
  const api = createRoute53Api(config, ctx, deps);
  const zoneName = config.zone ? bareName(config.zone) : undefined;

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

  const zone = { api, hostedZoneId, checkName };
  const readMany = createReadMany(zone);
  const writeMany = createWriteMany(zone, {
    readMany,
    ...(config.wait ? { wait: { intervalMs: deps.waitIntervalMs ?? DEFAULT_WAIT_INTERVAL_MS, timeoutMs: deps.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS } } : {}),
  });

  return {
    async read(ref) {
      const [r] = await readMany([ref]);
      if (r instanceof Error) throw r;
      return r ?? null;
    },

    async write(ref, req) {
      const [result] = await writeMany([{ ref, req }]);
      if (result && !result.ok) throw result.error;
    },

    readMany,
    writeMany,
  };
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
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: true, batch: true, txt: true },
  secretKeys: ['secretAccessKey', 'sessionToken'],
  configSchema: route53ConfigSchema,
  create: (config, ctx) => createRoute53Provider(config, ctx),
};

export default route53Provider;
