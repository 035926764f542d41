import * as z from 'zod/mini';
import { doc, nonEmpty, optional } from '../kit/schema.js';
import type { RecordType } from '../kit/types.js';
import { isInZone } from '../kit/dns-name.js';
import { canonicalIp, ipFamily, sameAddressSet } from '../kit/ip.js';
import { ProviderError } from '../kit/errors.js';
import { assertSafeUrl } from '../kit/http.js';
import type { CurrentRecord, ItemResult, Provider, ProviderContext, ProviderFactory, RecordRef, WriteItem, WriteRequest } from '../kit/types.js';
import { createCloudflareApi, DEFAULT_ENDPOINT, type CloudflareApi, type NewRecord } from './api.js';
import { cloudflareTtl, OWNER_COMMENT, planSize, planWrite, recordsToCurrent, zoneCandidates, type CfRecord, type CfZone, type RecordPatch } from './parse.js';
import { asError, checkAddress, throwIfOneFailure } from '../kit/records.js';

/** Changes per batch request on Cloudflare's Free plan (paid plans allow 3,500). */
const DEFAULT_BATCH_SIZE = 200;

const DROP_BEARER = 'drop "Bearer " from the start: give the token alone (dnsfail sends it as "Authorization: Bearer <token>")';

export const cloudflareConfigSchema = doc(
  z
    .strictObject({
      type: doc(z.literal('cloudflare'), 'Provider kind: Cloudflare DNS through the API v4.'),
      token: optional(
        // A token copied with its header from a curl example: dnsfail adds "Bearer " itself, so Cloudflare would see it twice.
        z.string().check(z.regex(/^\S+$/, { error: (issue) => (/^bearer\s/i.test(String(issue.input)) ? DROP_BEARER : 'must be one word, without spaces or line breaks') })),
        'API token (sent as Authorization: Bearer) with Zone:DNS:Edit, and Zone:Read unless zoneId is set. Use ${ENV} or tokenFile rather than writing it here.',
      ),
      tokenFile: optional(nonEmpty(), 'File holding the API token (trailing newline ignored); relative to the config file.'),
      zoneId: optional(
        z.string().check(z.regex(/^[0-9a-fA-F]{32}$/, 'must be a 32-character hexadecimal zone id (the zone\'s Overview page shows it)')),
        'The zone\'s id. Default: found by walking up the record name\'s labels with GET /zones?name= (needs Zone:Read), once per run.',
      ),
      proxied: optional(z.boolean(), 'Proxy status of records dnsfail creates (default false: DNS only). Existing records keep theirs.'),
      batchSize: optional(
        z.number().check(z.int(), z.minimum(2), z.maximum(3500)),
        `Most record changes sent in one POST /dns_records/batch when many records change in a run. Cloudflare allows 200 on the Free plan and 3,500 on paid plans. Default ${DEFAULT_BATCH_SIZE}.`,
      ),
      endpoint: optional(nonEmpty(), `Base URL of the API. Default ${DEFAULT_ENDPOINT}.`),
      allowInsecureHttp: optional(z.boolean(), 'Allow plain http to a non-loopback endpoint (the token then crosses the network in clear).'),
    })
    .check(
      z.superRefine((c, ctx) => {
        if (!c.token && !c.tokenFile) ctx.addIssue({ code: 'custom', path: ['token'], message: 'token (or tokenFile) is required' });
        if (c.endpoint) {
          try {
            assertSafeUrl(c.endpoint, c.allowInsecureHttp, 'endpoint');
          } catch (e) {
            ctx.addIssue({ code: 'custom', path: ['endpoint'], message: (e as Error).message });
          }
        }
      }),
    ),
  'Cloudflare: updates A/AAAA records in place through the API v4 (records it creates are marked "managed by dnsfail").',
);

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

  const batchSize = config.batchSize ?? DEFAULT_BATCH_SIZE;

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

  const readMany = async (refs: RecordRef[]): Promise<Array<CurrentRecord | null | Error>> => {
    const out: Array<CurrentRecord | null | Error> = refs.map(() => null);
    const groups = await groupByZone(refs, (at, e) => (out[at] = asError(e)));
    await Promise.all(
      [...groups.values()].map(async ({ zone, members }) => {
        try {
          const recordsOf = await lister(zone, members.map((at) => refs[at]!));
          for (const at of members) out[at] = currentOf(recordsOf, refs[at]!);
        } catch (e) {
          for (const at of members) out[at] = asError(e);
        }
      }),
    );
    throwIfOneFailure(out.filter((r): r is Error => r instanceof Error), refs.length);
    return out;
  };

  /**
   * Each zone: list its records once, plan every record's patches, posts and deletes (the rules of
   * planWrite), and send them in as few batch requests as `batchSize` allows, each record's changes
   * in one request. A batch is one transaction: a refused batch fails every record in it.
   */
  const writeMany = async (items: WriteItem[]): Promise<ItemResult[]> => {
    const results: ItemResult[] = items.map(() => ({ ok: true }));
    const fail = (at: number, error: unknown) => (results[at] = { ok: false, error });
    const wanted = items.map(({ ref, req }, at) => {
      try {
        return [...new Set(req.values.map((v) => checkAddress(ref.type, v)))];
      } catch (e) {
        fail(at, e);
        return [];
      }
    });
    const refs = items.map((i) => i.ref);
    const groups = await groupByZone(refs, fail, (at) => results[at]!.ok);
    await Promise.all(
      [...groups.values()].map(async ({ zone, members }) => {
        let recordsOf: RecordLookup;
        try {
          // No conditional writes in this API: read again right before writing, and plan from that.
          recordsOf = await lister(zone, members.map((at) => refs[at]!));
        } catch (e) {
          for (const at of members) fail(at, e);
          return;
        }
        const plans: { at: number; ops: number; deletes: string[]; patches: RecordPatch[]; posts: NewRecord[] }[] = [];
        for (const at of members) {
          const { ref, req } = items[at]!;
          try {
            if (recordsOf.cnames.has(ref.name)) {
              throw new ProviderError('fatal', `${ref.name} is a CNAME in Cloudflare zone ${zone.name}: an ${ref.type} record cannot share its name (81053). The managed name must not be a CNAME itself`);
            }
            const ttl = cloudflareTtl(req.ttl);
            const existing = recordsOf(ref);
            const plan = planWrite(existing, wanted[at]!, ttl, ref.name, ref.type);
            if (planSize(plan) === 0) continue;
            if (req.previous && !sameAddressSet(existing.map((r) => r.content), req.previous.values)) {
              throw new ProviderError('conflict', `${ref.name} ${ref.type} changed in Cloudflare since it was read in this run; not overwriting`);
            }
            const posts = plan.posts.map((content) => ({ type: ref.type, name: ref.name, content, ttl, proxied: config.proxied ?? false, comment: OWNER_COMMENT }));
            plans.push({ at, ops: planSize(plan), deletes: plan.deletes, patches: plan.patches, posts });
          } catch (e) {
            fail(at, e);
          }
        }
        for (const batch of packBySize(plans, batchSize)) {
          try {
            await send(zone.id, {
              deletes: batch.flatMap((p) => p.deletes),
              patches: batch.flatMap((p) => p.patches),
              posts: batch.flatMap((p) => p.posts),
            });
          } catch (e) {
            for (const p of batch) fail(p.at, e);
          }
        }
      }),
    );
    throwIfOneFailure(results.flatMap((r) => (r.ok ? [] : [r.error])), items.length);
    return results;
  };

  /** One change goes to its own endpoint (a failover is one PATCH); several go in one batch transaction. */
  const send = async (zoneId: string, ops: { deletes: string[]; patches: RecordPatch[]; posts: NewRecord[] }): Promise<void> => {
    if (ops.deletes.length + ops.patches.length + ops.posts.length > 1) return api.batch(zoneId, ops);
    if (ops.patches[0]) return api.patchRecord(zoneId, ops.patches[0]);
    if (ops.posts[0]) return api.createRecord(zoneId, ops.posts[0]);
    return api.deleteRecord(zoneId, ops.deletes[0]!);
  };

  // Several names without zoneId: one listing of the token's zones instead of a search per name
  // (each name is a candidate of its own, so searching costs a request per record).
  let allZones: Promise<CfZone[]> | undefined;
  const zoneFromList = async (name: string): Promise<CfZone> => {
    allZones ??= api.listZones().catch((e: unknown) => {
      allZones = undefined;
      throw e;
    });
    const zones = await allZones;
    const zone = zoneCandidates(name).map((c) => zones.find((z) => z.name === c)).find((z) => z !== undefined);
    if (!zone) throw new ProviderError('fatal', `no Cloudflare zone holding ${name} is visible to this token (listed ${zones.length} zone${zones.length === 1 ? '' : 's'}); set zoneId, or give the token Zone:Read on the zone`);
    return zone;
  };

  /** The zone of each ref; `fail` gets the refs whose zone cannot be found. */
  const groupByZone = async (refs: RecordRef[], fail: (at: number, e: unknown) => void, include: (at: number) => boolean = () => true) => {
    const groups = new Map<string, { zone: CfZone; members: number[] }>();
    const several = !config.zoneId && new Set(refs.map((r) => r.name)).size > 1;
    await Promise.all(
      refs.map(async (ref, at) => {
        if (!include(at)) return;
        try {
          const zone = await (several ? zoneFromList(ref.name) : zoneFor(ref.name));
          (groups.get(zone.id) ?? groups.set(zone.id, { zone, members: [] }).get(zone.id)!).members.push(at);
        } catch (e) {
          fail(at, e);
        }
      }),
    );
    return groups;
  };

  /**
   * The records of these names in one zone: for one name, the records of every type at exactly that
   * name (a small answer); for several, the whole zone in one listing (large pages). Both show CNAMEs.
   */
  const lister = async (zone: CfZone, wantedRefs: RecordRef[]): Promise<RecordLookup> => {
    const listed = wantedRefs.length === 1 ? await api.listRecords(zone.id, wantedRefs[0]!.name) : await api.listZoneRecords(zone.id);
    const byKey = new Map<string, CfRecord[]>();
    const cnames = new Map<string, string>();
    for (const r of listed) {
      if (r.type === 'CNAME') cnames.set(r.name, r.content.toLowerCase().replace(/\.$/, ''));
      const key = `${r.name}/${r.type}`;
      (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(r);
    }
    return Object.assign((ref: RecordRef) => byKey.get(`${ref.name}/${ref.type}`) ?? [], { cnames });
  };

  const currentOf = (recordsOf: RecordLookup, ref: RecordRef): CurrentRecord | null => {
    const cname = recordsOf.cnames.get(ref.name);
    return cname !== undefined ? { values: [], cname } : recordsToCurrent(recordsOf(ref));
  };

  return {
    async read(ref: RecordRef): Promise<CurrentRecord | null> {
      return currentOf(await lister(await zoneFor(ref.name), [ref]), ref);
    },

    async write(ref: RecordRef, req: WriteRequest): Promise<void> {
      const [result] = await writeMany([{ ref, req }]);
      if (result && !result.ok) throw result.error;
    },

    readMany,
    writeMany,
  };
}

/** The listed records of a name and type, and the listed CNAMEs (name → target). */
type RecordLookup = ((ref: RecordRef) => CfRecord[]) & { cnames: Map<string, string> };

/** Consecutive groups of plans with at most `size` changes each; a plan is never split. */
function packBySize<T extends { ops: number }>(plans: T[], size: number): T[][] {
  const batches: T[][] = [];
  let count = 0;
  for (const p of plans) {
    const last = batches.at(-1);
    if (last && count + p.ops <= size) {
      last.push(p);
      count += p.ops;
    } else {
      batches.push([p]);
      count = p.ops;
    }
  }
  return batches;
}

export const cloudflareProvider: ProviderFactory<CloudflareConfig> = {
  kind: 'cloudflare',
  description: 'Cloudflare DNS (API v4): updates the A/AAAA records in place, keeping their proxy status and comment.',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: false, batch: true },
  secretKeys: ['token'],
  configSchema: cloudflareConfigSchema,
  storedTtl: (ttl) => cloudflareTtl(ttl),
  create: (config, ctx) => createCloudflareProvider(config, ctx),
};

export default cloudflareProvider;
