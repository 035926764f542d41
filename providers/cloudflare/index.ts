import * as z from 'zod/mini';
import { doc, optional } from '../kit/schema.js';
import { sameAddressSet } from '../kit/ip.js';
import { ProviderError } from '../kit/errors.js';
import { asError, bareName, finishBatch, readGroups, startBatch } from '../kit/records.js';
import type { CurrentRecord, ItemResult, Provider, ProviderContext, ProviderFactory, RecordRef, WriteItem, WriteRequest } from '../kit/types.js';
import type { HttpDeps } from '../kit/http.js';
import { createCloudflareApi, DEFAULT_ENDPOINT, type CloudflareApi, type NewRecord } from './api.js';
import { cloudflareTtl, contentFor, OWNER_COMMENT, planSize, planWrite, recordsToCurrent, recordValue, spoils, type CfRecord, type CfZone, type RecordPatch } from './parse.js';
import { createZoneFinder } from './zones.js';
import { checkTokenKeys, tokenKeys } from '../kit/token-config.js';

/** Changes per batch request on Cloudflare's Free plan (paid plans allow 3,500). */
const DEFAULT_BATCH_SIZE = 200;

export const cloudflareConfigSchema = doc(
  z
    .strictObject({
      type: doc(z.literal('cloudflare'), 'Provider kind: Cloudflare DNS through the API v4.'),
      ...tokenKeys('API token with Zone:DNS:Edit, and Zone:Read unless zoneId is set.', DEFAULT_ENDPOINT),
      zoneId: optional(
        z.string().check(z.regex(/^[0-9a-fA-F]{32}$/, 'must be a 32-character hexadecimal zone id (the zone\'s Overview page shows it)')),
        'The zone\'s id. Default: found by walking up the record name\'s labels with GET /zones?name= (needs Zone:Read), once per run.',
      ),
      proxied: optional(z.boolean(), 'Proxy status of records dnsfail creates (default false: DNS only). Existing records keep theirs.'),
      batchSize: optional(
        z.number().check(z.int(), z.minimum(2), z.maximum(3500)),
        `Most record changes sent in one POST /dns_records/batch when many records change in a run. Cloudflare allows 200 on the Free plan and 3,500 on paid plans. Default ${DEFAULT_BATCH_SIZE}.`,
      ),
    })
    .check(checkTokenKeys()),
  'Cloudflare: updates A/AAAA records in place through the API v4 (records it creates are marked "managed by dnsfail").',
);

export type CloudflareConfig = z.infer<typeof cloudflareConfigSchema>;

export function createCloudflareProvider(config: CloudflareConfig, ctx: ProviderContext, deps: HttpDeps = {}): Provider {
  const api: CloudflareApi = createCloudflareApi(config, ctx, deps);
  const zones = createZoneFinder(api, config.zoneId);
  const batchSize = config.batchSize ?? DEFAULT_BATCH_SIZE;

  const readMany = async (refs: RecordRef[]): Promise<Array<CurrentRecord | null | Error>> => {
    const out: Array<CurrentRecord | null | Error> = refs.map(() => null);
    const groups = await zones.group(refs, (at, e) => (out[at] = asError(e)));
    return readGroups(refs, out, groups.values(), async ({ zone }, members) => {
      const recordsAt = await lister(zone, members);
      return (ref) => currentOf(recordsAt(ref));
    });
  };

  /**
   * Each zone: list its records once, plan every record's patches, posts and deletes (the rules of
   * planWrite), and send them in as few batch requests as `batchSize` allows, each record's changes
   * in one request. A batch is one transaction: a refused batch fails every record in it.
   */
  const writeMany = async (items: WriteItem[]): Promise<ItemResult[]> => {
    const { results, fail, wanted } = startBatch(items);
    const refs = items.map((i) => i.ref);
    const groups = await zones.group(refs, fail, (at) => results[at]!.ok);
    await Promise.all(
      [...groups.values()].map(async ({ zone, members }) => {
        let recordsAt: RecordLookup;
        try {
          // No conditional writes in this API: read again right before writing, and plan from that.
          recordsAt = await lister(zone, members.map((at) => refs[at]!));
        } catch (e) {
          for (const at of members) fail(at, e);
          return;
        }
        const plans: { at: number; ops: number; deletes: string[]; patches: RecordPatch[]; posts: NewRecord[] }[] = [];
        for (const at of members) {
          const { ref, req } = items[at]!;
          try {
            const { records: existing, cname } = recordsAt(ref);
            if (cname !== undefined) {
              throw new ProviderError('fatal', `${ref.name} is a CNAME in Cloudflare zone ${zone.name}: an ${ref.type} record cannot share its name (81053). The managed name must not be a CNAME itself`);
            }
            const ttl = cloudflareTtl(req.ttl);
            const plan = planWrite(existing, wanted[at]!, ttl, ref.name, ref.type);
            if (planSize(plan) === 0) continue;
            if (req.previous && !sameAddressSet(existing.map(recordValue), req.previous.values)) {
              throw new ProviderError('conflict', `${ref.name} ${ref.type} changed in Cloudflare since it was read in this run; not overwriting`);
            }
            const posts = plan.posts.map((value) => ({ type: ref.type, name: ref.name, content: contentFor(ref.type, value), ttl, proxied: ref.type !== 'TXT' && (config.proxied ?? false), comment: OWNER_COMMENT }));
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
    return finishBatch(results);
  };

  /** One change goes to its own endpoint (a failover is one PATCH); several go in one batch transaction. */
  const send = async (zoneId: string, ops: { deletes: string[]; patches: RecordPatch[]; posts: NewRecord[] }): Promise<void> => {
    if (ops.deletes.length + ops.patches.length + ops.posts.length > 1) return api.batch(zoneId, ops);
    if (ops.patches[0]) return api.patchRecord(zoneId, ops.patches[0]);
    if (ops.posts[0]) return api.createRecord(zoneId, ops.posts[0]);
    return api.deleteRecord(zoneId, ops.deletes[0]!);
  };

  /**
   * The records of these names in one zone: for one name, the records of every type at exactly that
   * name (a small answer); for several, the whole zone in one listing (large pages). Both show CNAMEs.
   * A listed record that could be part of a ref's answer but cannot be used fails that ref only.
   */
  const lister = async (zone: CfZone, wantedRefs: RecordRef[]): Promise<RecordLookup> => {
    const { records, odd } = wantedRefs.length === 1 ? await api.listRecords(zone.id, wantedRefs[0]!.name) : await api.listZoneRecords(zone.id);
    const byKey = new Map<string, CfRecord[]>();
    const cnames = new Map<string, string>();
    for (const r of records) {
      if (r.type === 'CNAME') cnames.set(r.name, bareName(r.content));
      const key = `${r.name}/${r.type}`;
      (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(r);
    }
    return (ref) => {
      const spoiler = odd.find((o) => spoils(o, ref));
      if (spoiler) throw new ProviderError('transient', `Cloudflare zone ${zone.name}: ${spoiler.why}, so ${ref.name} ${ref.type} cannot be read from this answer`);
      const cname = cnames.get(ref.name);
      return { records: byKey.get(`${ref.name}/${ref.type}`) ?? [], ...(cname !== undefined ? { cname } : {}) };
    };
  };

  const currentOf = ({ records, cname }: ReturnType<RecordLookup>): CurrentRecord | null => (cname !== undefined ? { values: [], cname } : recordsToCurrent(records));

  return {
    async read(ref: RecordRef): Promise<CurrentRecord | null> {
      return currentOf((await lister(await zones.zoneFor(ref.name), [ref]))(ref));
    },

    async write(ref: RecordRef, req: WriteRequest): Promise<void> {
      const [result] = await writeMany([{ ref, req }]);
      if (result && !result.ok) throw result.error;
    },

    readMany,
    writeMany,
  };
}

/** A ref's listed records of its name and type, and the CNAME target at its name if any; throws when the listing cannot be trusted for it. */
type RecordLookup = (ref: RecordRef) => { records: CfRecord[]; cname?: string };

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
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: false, batch: true, txt: true },
  secretKeys: ['token'],
  configSchema: cloudflareConfigSchema,
  storedTtl: (ttl) => cloudflareTtl(ttl),
  create: (config, ctx) => createCloudflareProvider(config, ctx),
};

export default cloudflareProvider;
