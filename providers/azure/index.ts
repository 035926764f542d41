import * as z from 'zod/mini';
import { doc, nonEmpty, optional } from '../kit/schema.js';
import { ProviderError } from '../kit/errors.js';
import { assertSafeUrl, type HttpDeps } from '../kit/http.js';
import { sameAddressSet } from '../kit/ip.js';
import { bareName, domainName, wantedAddresses } from '../kit/records.js';
import type { CurrentRecord, Provider, ProviderContext, ProviderFactory, RecordRef, WriteRequest } from '../kit/types.js';
import { createAzureApi, DEFAULT_ENDPOINT, type AzureApi } from './api.js';
import { DEFAULT_IDENTITY_ENDPOINT, DEFAULT_LOGIN_ENDPOINT } from './auth.js';
import { relativeName, toCurrent } from './parse.js';

const url = (what: string) => optional(nonEmpty(), what);

export const azureConfigSchema = doc(
  z
    .strictObject({
      type: doc(z.literal('azure'), 'Provider kind: Azure DNS record sets through Azure Resource Manager (api-version 2018-05-01).'),
      subscriptionId: doc(nonEmpty(), 'The subscription that holds the DNS zone.'),
      resourceGroup: doc(nonEmpty(), 'The resource group of the DNS zone.'),
      zone: doc(domainName('must be the DNS zone\'s name, e.g. example.com'), 'The DNS zone\'s name (every record of this provider lies inside it).'),
      tenantId: optional(nonEmpty(), 'Directory (tenant) id of the service principal (with clientId and clientSecret).'),
      clientId: optional(nonEmpty(), 'Application (client) id of the service principal; with managedIdentity, the client id of a user-assigned identity.'),
      clientSecret: optional(nonEmpty(), 'Client secret of the service principal. Use ${ENV} or clientSecretFile.'),
      clientSecretFile: optional(nonEmpty(), 'File holding the client secret; relative to the config file.'),
      managedIdentity: optional(z.boolean(), 'Take the token from the Azure VM\'s managed identity (IMDS) instead of a client secret.'),
      endpoint: url(`Azure Resource Manager URL. Default ${DEFAULT_ENDPOINT}.`),
      loginEndpoint: url(`Microsoft Entra ID (login) URL for the client-credentials token. Default ${DEFAULT_LOGIN_ENDPOINT}.`),
      identityEndpoint: url(`Managed identity token URL (IMDS). Default ${DEFAULT_IDENTITY_ENDPOINT}.`),
      allowInsecureHttp: optional(z.boolean(), 'Allow plain http to a non-loopback endpoint (the token then crosses the network in clear).'),
    })
    .check(
      z.superRefine((c, ctx) => {
        const secret = c.clientSecret !== undefined || c.clientSecretFile !== undefined;
        if (c.managedIdentity === true && secret) ctx.addIssue({ code: 'custom', path: ['managedIdentity'], message: 'give either managedIdentity: true or clientSecret, not both' });
        if (c.managedIdentity !== true) {
          if (!secret) ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'clientSecret (or clientSecretFile) is required, with tenantId and clientId; or set managedIdentity: true' });
          for (const key of ['tenantId', 'clientId'] as const) if (!c[key]) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is required with clientSecret` });
        }
        for (const key of ['endpoint', 'loginEndpoint', 'identityEndpoint'] as const) {
          const value = c[key];
          if (value === undefined) continue;
          try {
            // IMDS is plain http by Azure's design; the other two must be https (or loopback).
            assertSafeUrl(value, key === 'identityEndpoint' || c.allowInsecureHttp, key);
          } catch (e) {
            ctx.addIssue({ code: 'custom', path: [key], message: (e as Error).message });
          }
        }
      }),
    ),
  'Azure DNS: keeps A/AAAA record sets through ARM, with the etag as compare-and-set.',
);

export type AzureConfig = z.infer<typeof azureConfigSchema>;

export function createAzureProvider(config: AzureConfig, ctx: ProviderContext, deps: HttpDeps = {}): Provider {
  const zone = bareName(config.zone);
  const api: AzureApi = createAzureApi(config, ctx, deps);

  /** The A/AAAA record set, else a CNAME at the name, else nothing. */
  const fetchCurrent = async (ref: RecordRef) => {
    const relative = relativeName(ref.name, zone);
    const set = await api.get(relative, ref.type);
    // An alias record set follows an Azure resource's address: not dnsfail's to read as missing or to overwrite.
    if (set?.alias) throw new ProviderError('fatal', `${ref.name} ${ref.type} in Azure DNS zone ${zone} is an alias record set (targetResourceId ${set.alias}); remove the alias or manage another name`);
    if (set) return { relative, set };
    const cname = await api.get(relative, 'CNAME');
    return { relative, set: cname?.cname !== undefined ? cname : null };
  };

  return {
    async read(ref) {
      const { set } = await fetchCurrent(ref);
      return set ? toCurrent(set) : null;
    },

    /**
     * Read the record set (with its etag) right before writing, refuse when it is not what this run
     * read, then PUT with If-Match (If-None-Match: * to create): Azure refuses with 412 if it
     * changed in between, so nothing is overwritten on a guess.
     */
    async write(ref: RecordRef, req: WriteRequest) {
      const wanted = wantedAddresses(ref.type, req.values);
      const { relative, set } = await fetchCurrent(ref);
      if (set?.cname !== undefined) throw new ProviderError('fatal', `${ref.name} is a CNAME in Azure DNS zone ${zone}: an ${ref.type} record set cannot share its name`);
      const current: CurrentRecord | null = set ? toCurrent(set) : null;
      if (current && sameAddressSet(current.values, wanted) && current.ttl === req.ttl) return;
      if (req.previous && !sameAddressSet(current?.values ?? [], req.previous.values)) {
        throw new ProviderError('conflict', `${ref.name} ${ref.type} changed in Azure DNS since it was read in this run; not overwriting`);
      }
      if (wanted.length === 0) {
        if (set?.etag) await api.delete(relative, ref.type, set.etag);
        return;
      }
      await api.put(relative, ref.type, wanted, req.ttl, set?.etag ? { etag: set.etag } : { absent: true }, set?.metadata);
    },

    /**
     * Doctor: a PUT whose If-Match can never hold. ARM checks the role first (403 without write
     * permission); with it, Azure DNS answers 412 and changes nothing. The body holds what the record
     * set holds now, so even a service that ignored If-Match would change nothing.
     */
    async checkWrite(ref) {
      const relative = relativeName(ref.name, zone);
      const set = await api.get(relative, ref.type);
      try {
        await api.put(relative, ref.type, set?.values ?? [], set?.ttl ?? 3600, { etag: 'dnsfail-doctor-never-matches' }, set?.metadata);
      } catch (e) {
        if (e instanceof ProviderError && e.kind === 'conflict') return;
        throw e;
      }
      throw new ProviderError('fatal', `Azure DNS accepted a PUT of ${ref.name} ${ref.type} with an If-Match that cannot hold; the record set may have been emptied`);
    },
  };
}

export const azureProvider: ProviderFactory<AzureConfig> = {
  kind: 'azure',
  description: 'Azure DNS (ARM record sets): PUT with If-Match etag as compare-and-set; service principal or managed identity.',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: true, batch: false },
  secretKeys: ['clientSecret'],
  configSchema: azureConfigSchema,
  create: (config, ctx) => createAzureProvider(config, ctx),
};

export default azureProvider;
