import * as z from 'zod/mini';
import { doc, nonEmpty, optional } from '../kit/schema.js';
import { ProviderError } from '../kit/errors.js';
import { assertSafeUrl, type HttpDeps } from '../kit/http.js';
import { sameAddressSet } from '../kit/ip.js';
import { asError, finishBatch, wantedAddresses } from '../kit/records.js';
import type { CurrentRecord, ItemResult, Provider, ProviderContext, ProviderFactory, RecordRef, WriteItem } from '../kit/types.js';
import { createGoogleApi, DEFAULT_ENDPOINT } from './api.js';
import { DEFAULT_METADATA_ENDPOINT, DEFAULT_TOKEN_ENDPOINT } from './auth.js';
import { findRrsets, parseServiceAccountKey, toCurrent, type GRrset } from './parse.js';

/** Google's default quota: 100 rrset additions (and 100 deletions) per change. */
const DEFAULT_BATCH_SIZE = 100;

export const googleConfigSchema = doc(
  z
    .strictObject({
      type: doc(z.literal('googleclouddns'), 'Provider kind: Google Cloud DNS (API v1) through atomic changes.'),
      project: doc(nonEmpty(), 'The Google Cloud project id that holds the managed zone.'),
      managedZone: doc(nonEmpty(), 'The managed zone\'s name (or id) in Cloud DNS, e.g. example-com (not its DNS name).'),
      serviceAccountKey: optional(nonEmpty(), 'A service-account key (the JSON text). Prefer serviceAccountKeyFile.'),
      serviceAccountKeyFile: optional(nonEmpty(), 'File holding the service-account key JSON; relative to the config file.'),
      accessToken: optional(nonEmpty(), 'An OAuth access token given directly (e.g. "${GCP_TOKEN}" from `gcloud auth print-access-token`); it expires within an hour.'),
      accessTokenFile: optional(nonEmpty(), 'File holding an access token.'),
      metadataServer: optional(z.boolean(), 'Take the token from the Google Cloud VM\'s metadata server (its attached service account).'),
      batchSize: optional(z.number().check(z.int(), z.minimum(1), z.maximum(1000)), `Most records in one change when many change in a run. Default ${DEFAULT_BATCH_SIZE} (Google's default quota).`),
      endpoint: optional(nonEmpty(), `Base URL of the API. Default ${DEFAULT_ENDPOINT}.`),
      tokenEndpoint: optional(nonEmpty(), `OAuth token URL for the service-account key. Default ${DEFAULT_TOKEN_ENDPOINT}.`),
      metadataEndpoint: optional(nonEmpty(), `Metadata server token URL. Default ${DEFAULT_METADATA_ENDPOINT}.`),
      allowInsecureHttp: optional(z.boolean(), 'Allow plain http to a non-loopback endpoint (the token then crosses the network in clear).'),
    })
    .check(
      z.superRefine((c, ctx) => {
        const sources = [c.serviceAccountKey !== undefined || c.serviceAccountKeyFile !== undefined, c.accessToken !== undefined || c.accessTokenFile !== undefined, c.metadataServer === true].filter(Boolean).length;
        if (sources !== 1) ctx.addIssue({ code: 'custom', path: ['serviceAccountKeyFile'], message: 'give exactly one of serviceAccountKeyFile (or serviceAccountKey), accessToken (or accessTokenFile), metadataServer: true' });
        if (c.serviceAccountKey !== undefined) {
          try {
            parseServiceAccountKey(c.serviceAccountKey);
          } catch (e) {
            ctx.addIssue({ code: 'custom', path: ['serviceAccountKey'], message: `this ${(e as Error).message}` });
          }
        }
        for (const key of ['endpoint', 'tokenEndpoint', 'metadataEndpoint'] as const) {
          const value = c[key];
          if (value === undefined) continue;
          try {
            // The metadata server is plain http by Google's design; the other two must be https (or loopback).
            assertSafeUrl(value, key === 'metadataEndpoint' || c.allowInsecureHttp, key);
          } catch (e) {
            ctx.addIssue({ code: 'custom', path: [key], message: (e as Error).message });
          }
        }
      }),
    ),
  'Google Cloud DNS: each write one atomic change (deletion of the exact rrset read + addition), a compare-and-set.',
);

export type GoogleConfig = z.infer<typeof googleConfigSchema>;

export function createGoogleProvider(config: GoogleConfig, ctx: ProviderContext, deps: HttpDeps = {}): Provider {
  const api = createGoogleApi(config, ctx, deps);
  const batchSize = config.batchSize ?? DEFAULT_BATCH_SIZE;

  /** One name: its rrsets of every type (CNAMEs included); several: the whole zone, all pages. */
  const listFor = (refs: RecordRef[]) => (new Set(refs.map((r) => r.name)).size === 1 ? api.listRrsets(refs[0]!.name) : api.listRrsets());

  const readMany = async (refs: RecordRef[]): Promise<Array<CurrentRecord | null | Error>> => {
    const rrsets = await listFor(refs);
    return refs.map((ref) => toCurrent(findRrsets(rrsets, ref), ref));
  };

  /**
   * Reads the rrsets again, plans each record (nothing when in sync, TTL included; a conflict when
   * it is not what this run read), and sends the changes of up to batchSize records as one atomic
   * change: the exact rrset read is deleted and the new one added, so Google refuses the change if
   * anything moved in between. A refused change is retried record by record, so only the record
   * that moved fails.
   */
  const writeMany = async (items: WriteItem[]): Promise<ItemResult[]> => {
    const results: ItemResult[] = items.map(() => ({ ok: true }));
    const fail = (at: number, error: unknown) => (results[at] = { ok: false, error });
    let rrsets: GRrset[];
    try {
      rrsets = await listFor(items.map((i) => i.ref));
    } catch (e) {
      return finishBatch(items.map(() => ({ ok: false, error: asError(e) })));
    }
    const plans: { at: number; add?: GRrset; del?: GRrset }[] = [];
    items.forEach(({ ref, req }, at) => {
      try {
        const wanted = wantedAddresses(ref.type, req.values);
        const found = findRrsets(rrsets, ref);
        if (found.cname) throw new ProviderError('fatal', `${ref.name} is a CNAME in Cloud DNS zone ${config.managedZone}: an ${ref.type} rrset cannot share its name`);
        const current = toCurrent(found, ref);
        if (current && sameAddressSet(current.values, wanted) && current.ttl === req.ttl) return;
        if (req.previous && !sameAddressSet(current?.values ?? [], req.previous.values)) {
          throw new ProviderError('conflict', `${ref.name} ${ref.type} changed in Cloud DNS since it was read in this run; not overwriting`);
        }
        const add = wanted.length ? { name: `${ref.name}.`, type: ref.type, ttl: req.ttl, rrdatas: wanted } : undefined;
        plans.push({ at, ...(add ? { add } : {}), ...(found.rrset ? { del: found.rrset } : {}) });
      } catch (e) {
        fail(at, e);
      }
    });
    const send = (group: typeof plans) => api.change(group.flatMap((p) => (p.add ? [p.add] : [])), group.flatMap((p) => (p.del ? [p.del] : [])));
    for (let i = 0; i < plans.length; i += batchSize) {
      const group = plans.slice(i, i + batchSize);
      try {
        await send(group);
      } catch (e) {
        if (group.length > 1 && e instanceof ProviderError && e.kind === 'conflict') {
          for (const p of group) await send([p]).catch((one: unknown) => fail(p.at, named(one, items[p.at]!.ref)));
        } else {
          for (const p of group) fail(p.at, e);
        }
      }
    }
    return finishBatch(results);
  };

  return {
    async read(ref) {
      const [one] = await readMany([ref]);
      return one as CurrentRecord | null;
    },
    async write(ref, req) {
      const [result] = await writeMany([{ ref, req }]);
      if (result && !result.ok) throw result.error;
    },
    readMany,
    writeMany,
  };
}

/** A conflict of one record's own change, with its name in the message. */
const named = (e: unknown, ref: RecordRef): unknown =>
  e instanceof ProviderError && !e.message.includes(ref.name) ? new ProviderError(e.kind, `${ref.name} ${ref.type}: ${e.message}`, e.code !== undefined ? { code: e.code } : {}) : e;

export const googleCloudDnsProvider: ProviderFactory<GoogleConfig> = {
  kind: 'googleclouddns',
  description: 'Google Cloud DNS (API v1): one atomic change per zone, deleting the exact rrset read (compare-and-set); service-account key, metadata server or access token.',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: true, batch: true },
  secretKeys: ['serviceAccountKey', 'accessToken'],
  configSchema: googleConfigSchema,
  create: (config, ctx) => createGoogleProvider(config, ctx),
};

export default googleCloudDnsProvider;
