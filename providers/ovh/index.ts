import * as z from 'zod/mini';
import { doc, nonEmpty, optional } from '../kit/schema.js';
import { ProviderError } from '../kit/errors.js';
import { assertSafeUrl, type HttpDeps } from '../kit/http.js';
import { sameAddressSet } from '../kit/ip.js';
import { bareName, domainName, wantedAddresses } from '../kit/records.js';
import type { Provider, ProviderContext, ProviderFactory, RecordRef, WriteRequest } from '../kit/types.js';
import { createOvhApi, ENDPOINTS, type OvhApi } from './api.js';
import { planWrite, recordsOf, subDomainOf, toCurrent } from './parse.js';

export const ovhConfigSchema = doc(
  z
    .strictObject({
      type: doc(z.literal('ovh'), 'Provider kind: OVHcloud DNS zones through the OVHcloud API (/domain/zone), with signed requests.'),
      zone: doc(domainName('must be the zone\'s name, e.g. example.com'), 'The DNS zone at OVHcloud (every record of this provider lies inside it).'),
      endpoint: optional(nonEmpty(), 'ovh-eu (default), ovh-ca, ovh-us, or the API\'s base URL (https://…/1.0).'),
      applicationKey: doc(nonEmpty(), 'Application key (from createApp / createToken).'),
      applicationSecret: optional(nonEmpty(), 'Application secret. Use ${ENV} or applicationSecretFile.'),
      applicationSecretFile: optional(nonEmpty(), 'File holding the application secret; relative to the config file.'),
      consumerKey: optional(nonEmpty(), 'Consumer key granting GET/POST/PUT/DELETE on /domain/zone/<zone>/*. Use ${ENV} or consumerKeyFile.'),
      consumerKeyFile: optional(nonEmpty(), 'File holding the consumer key; relative to the config file.'),
      allowInsecureHttp: optional(z.boolean(), 'Allow plain http to a non-loopback endpoint URL (the signature then crosses the network in clear).'),
    })
    .check(
      z.superRefine((c, ctx) => {
        if (!c.applicationSecret && !c.applicationSecretFile) ctx.addIssue({ code: 'custom', path: ['applicationSecret'], message: 'applicationSecret (or applicationSecretFile) is required' });
        if (!c.consumerKey && !c.consumerKeyFile) ctx.addIssue({ code: 'custom', path: ['consumerKey'], message: 'consumerKey (or consumerKeyFile) is required' });
        if (c.endpoint !== undefined && !(c.endpoint in ENDPOINTS)) {
          try {
            assertSafeUrl(c.endpoint, c.allowInsecureHttp, 'endpoint');
          } catch (e) {
            ctx.addIssue({ code: 'custom', path: ['endpoint'], message: `${(e as Error).message}; or one of ${Object.keys(ENDPOINTS).join(', ')}` });
          }
        }
      }),
    ),
  'OVHcloud DNS: edits the zone\'s A/AAAA records in place through signed /domain/zone calls, then refreshes the zone.',
);

export type OvhConfig = z.infer<typeof ovhConfigSchema>;

export function createOvhProvider(config: OvhConfig, ctx: ProviderContext, deps: HttpDeps = {}): Provider {
  const api: OvhApi = createOvhApi(config, ctx, deps);
  const zone = bareName(config.zone);

  const lookup = async (ref: RecordRef) => {
    const subDomain = subDomainOf(ref.name, zone);
    return { subDomain, found: recordsOf(await api.recordsAt(subDomain), ref, subDomain) };
  };

  return {
    async read(ref) {
      return toCurrent((await lookup(ref)).found);
    },

    /**
     * OVH has no conditional write: read the records again right before writing, refuse when they
     * are not what this run read, then edit in place (records already holding a wanted address
     * keep their id; others are re-pointed, created or deleted) and refresh the zone once.
     */
    async write(ref: RecordRef, req: WriteRequest) {
      const wanted = wantedAddresses(ref.type, req.values);
      const { subDomain, found } = await lookup(ref);
      if (found.cname) throw new ProviderError('fatal', `${ref.name} is a CNAME in OVH zone ${zone}: an ${ref.type} record cannot share its name`);
      const current = toCurrent(found);
      const inSync = current !== null && sameAddressSet(current.values, wanted) && found.mine.length === wanted.length && found.mine.every((r) => r.ttl === req.ttl);
      if (inSync) return;
      if (req.previous && !sameAddressSet(current?.values ?? [], req.previous.values)) {
        throw new ProviderError('conflict', `${ref.name} ${ref.type} changed at OVH since it was read in this run; not overwriting`);
      }
      const plan = planWrite(found.mine, wanted, req.ttl);
      for (const r of plan.updates) await api.update(r.id, { target: r.target, ttl: req.ttl });
      for (const target of plan.creates) await api.create({ fieldType: ref.type, subDomain, target, ttl: req.ttl });
      for (const id of plan.deletes) await api.remove(id);
      await api.refresh();
    },
  };
}

export const ovhProvider: ProviderFactory<OvhConfig> = {
  kind: 'ovh',
  description: 'OVHcloud DNS (/domain/zone API): signed requests, records edited in place, then the zone refreshed.',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: false, batch: false },
  secretKeys: ['applicationSecret', 'consumerKey'],
  configSchema: ovhConfigSchema,
  create: (config, ctx) => createOvhProvider(config, ctx),
};

export default ovhProvider;
