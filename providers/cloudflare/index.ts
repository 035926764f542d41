import { z } from 'zod';
import type { RecordType } from '../../src/core/types.js';
import { isInZone } from '../../src/util/dns-name.js';
import { canonicalIp, ipFamily, sameAddressSet } from '../../src/util/ip.js';
import { ProviderError } from '../errors.js';
import { assertSafeUrl } from '../http.js';
import type { CurrentRecord, Provider, ProviderContext, ProviderFactory, RecordRef, WriteRequest } from '../types.js';
import { createCloudflareApi, DEFAULT_ENDPOINT, type CloudflareApi, type NewRecord } from './api.js';
import { cloudflareTtl, OWNER_COMMENT, planSize, planWrite, recordsToCurrent, zoneCandidates, type CfZone } from './parse.js';

export const cloudflareConfigSchema = z
  .object({
    type: z.literal('cloudflare').describe('Provider kind: Cloudflare DNS through the API v4.'),
    token: z
      .string()
      .regex(/^\S+$/, 'must be one word, without spaces or line breaks')
      .optional()
      .describe('API token (sent as Authorization: Bearer) with Zone:DNS:Edit, and Zone:Read unless zoneId is set. Use ${ENV} or tokenFile rather than writing it here.'),
    tokenFile: z.string().min(1).optional().describe('File holding the API token (trailing newline ignored); relative to the config file.'),
    zoneId: z
      .string()
      .regex(/^[0-9a-fA-F]{32}$/, 'must be a 32-character hexadecimal zone id (the zone\'s Overview page shows it)')
      .optional()
      .describe('The zone\'s id. Default: found by walking up the record name\'s labels with GET /zones?name= (needs Zone:Read), once per run.'),
    proxied: z
      .boolean()
      .optional()
      .describe('Proxy status of records dnsfail creates (default false: DNS only). Existing records keep theirs.'),
    endpoint: z.string().min(1).optional().describe(`Base URL of the API. Default ${DEFAULT_ENDPOINT}.`),
    allowInsecureHttp: z.boolean().optional().describe('Allow plain http to a non-loopback endpoint (the token then crosses the network in clear).'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.token && !c.tokenFile) ctx.addIssue({ code: 'custom', path: ['token'], message: 'token (or tokenFile) is required' });
    if (c.endpoint) {
      try {
        assertSafeUrl(c.endpoint, c.allowInsecureHttp, 'endpoint');
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['endpoint'], message: (e as Error).message });
      }
    }
  })
  .describe('Cloudflare: updates A/AAAA records in place through the API v4 (records it creates are marked "managed by dnsfail").');

export type CloudflareConfig = z.infer<typeof cloudflareConfigSchema>;

export interface CloudflareDeps {
  /** Per-request timeout; default 10 s (http.ts). */
  timeoutMs?: number;
}

export function createCloudflareProvider(config: CloudflareConfig, ctx: ProviderContext, deps: CloudflareDeps = {}): Provider {
  if (!config.token) throw new ProviderError('fatal', 'cloudflare: token (or tokenFile) is required');
  const api: CloudflareApi = createCloudflareApi({
    endpoint: config.endpoint ?? DEFAULT_ENDPOINT,
    token: config.token,
    userAgent: ctx.userAgent,
    ...(config.allowInsecureHttp !== undefined ? { allowInsecureHttp: config.allowInsecureHttp } : {}),
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
  });

  // Per instance (one run): zone lookups by candidate name, or the configured zone. Failures are not kept.
  const lookups = new Map<string, Promise<CfZone | null>>();
  const cached = (key: string, fetch: () => Promise<CfZone | null>): Promise<CfZone | null> => {
    let p = lookups.get(key);
    if (!p) {
      p = fetch();
      lookups.set(key, p);
      p.catch(() => {
        if (lookups.get(key) === p) lookups.delete(key);
      });
    }
    return p;
  };

  const zoneFor = async (name: string): Promise<CfZone> => {
    if (config.zoneId) {
      const id = config.zoneId;
      const zone = (await cached(`id:${id}`, () => api.getZone(id)))!;
      // Cloudflare would append the zone to a name outside it (app.other.test.example.com): refuse instead.
      if (!isInZone(name, zone.name)) throw new ProviderError('fatal', `${name} is not inside Cloudflare zone ${zone.name} (zoneId ${id})`);
      return zone;
    }
    const tried = zoneCandidates(name);
    for (const candidate of tried) {
      const zone = await cached(`name:${candidate}`, async () => (await api.findZones(candidate)).find((z) => z.name === candidate) ?? null);
      if (zone) return zone;
    }
    throw new ProviderError(
      'fatal',
      `no Cloudflare zone holding ${name} is visible to this token (looked for ${tried.join(', ')}); set zoneId, or give the token Zone:Read on the zone`,
    );
  };

  return {
    async read(ref: RecordRef): Promise<CurrentRecord | null> {
      const zone = await zoneFor(ref.name);
      return recordsToCurrent(await api.listRecords(zone.id, ref.name, ref.type));
    },

    async write(ref: RecordRef, req: WriteRequest): Promise<void> {
      const values = [...new Set(req.values.map((v) => checkAddress(ref.type, v)))];
      const ttl = cloudflareTtl(req.ttl);
      const zone = await zoneFor(ref.name);
      // No conditional writes in this API: read again right before writing, and plan from that.
      const existing = await api.listRecords(zone.id, ref.name, ref.type);
      const plan = planWrite(existing, values, ttl, ref.name, ref.type);
      if (planSize(plan) === 0) return;
      if (req.previous && !sameAddressSet(existing.map((r) => r.content), req.previous.values)) {
        throw new ProviderError('conflict', `${ref.name} ${ref.type} changed in Cloudflare since it was read in this run; not overwriting`);
      }
      const posts: NewRecord[] = plan.posts.map((content) => ({
        type: ref.type,
        name: ref.name,
        content,
        ttl,
        proxied: config.proxied ?? false,
        comment: OWNER_COMMENT,
      }));
      if (planSize(plan) > 1) return api.batch(zone.id, { deletes: plan.deletes, patches: plan.patches, posts });
      if (plan.patches[0]) return api.patchRecord(zone.id, plan.patches[0]);
      if (posts[0]) return api.createRecord(zone.id, posts[0]);
      return api.deleteRecord(zone.id, plan.deletes[0]!);
    },
  };
}

export const cloudflareProvider: ProviderFactory<CloudflareConfig> = {
  kind: 'cloudflare',
  description: 'Cloudflare DNS (API v4): updates the A/AAAA records in place, keeping their proxy status and comment.',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: false },
  secretKeys: ['token'],
  configSchema: cloudflareConfigSchema,
  create: (config, ctx) => createCloudflareProvider(config, ctx),
};

function checkAddress(type: RecordType, value: string): string {
  if (ipFamily(value) !== (type === 'A' ? 4 : 6)) {
    throw new ProviderError('fatal', `${JSON.stringify(value)} is not an ${type === 'A' ? 'IPv4' : 'IPv6'} address`);
  }
  return canonicalIp(value);
}

export default cloudflareProvider;
