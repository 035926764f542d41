import * as z from 'zod/mini';
import { isInZone, relativeName, zoneCandidates } from '../kit/dns-name.js';
import { ProviderError } from '../kit/errors.js';
import { bareName, domainName } from '../kit/records.js';
import { doc, optional } from '../kit/schema.js';
import { tokenKeys, checkTokenKeys } from '../kit/token-config.js';
import type { CurrentRecord, Provider, ProviderContext, ProviderFactory, RecordRef, WriteRequest } from '../kit/types.js';
import type { PagedHttpDeps } from '../kit/http.js';
import { syncValueRecords, valueRecordsAt, type ListedRecord } from '../kit/value-records.js';
import { createDigitalOceanApi, DEFAULT_ENDPOINT, type DigitalOceanApi } from './api.js';
import { digitaloceanTtl, recordName } from './parse.js';

const SERVICE = 'DigitalOcean';

export const digitaloceanConfigSchema = doc(
  z
    .strictObject({
      type: doc(z.literal('digitalocean'), 'Provider kind: DigitalOcean DNS through the API v2 (domain records).'),
      ...tokenKeys('Personal access token with the domain scopes: domain:read, domain:create, domain:update, domain:delete.', DEFAULT_ENDPOINT),
      domain: optional(
        domainName(),
        'The DigitalOcean domain (zone) holding the records, e.g. example.com. Default: found by trying the record name and each parent, once per run.',
      ),
    })
    .check(checkTokenKeys()),
  'DigitalOcean: keeps the A/AAAA records of a name (one record per address) through the API v2.',
);

export type DigitaloceanConfig = z.infer<typeof digitaloceanConfigSchema>;

export function createDigitaloceanProvider(config: DigitaloceanConfig, ctx: ProviderContext, deps: PagedHttpDeps = {}): Provider {
  const api: DigitalOceanApi = createDigitalOceanApi(config, ctx, deps);
  const fixedDomain = config.domain ? bareName(config.domain) : undefined;
  /** Candidate domains known not to exist in this account (per instance, one run). */
  const missing = new Set<string>();

  /**
   * The domain holding `name` and the records at it: with `domain` set, that one; else each
   * candidate from the longest, where a 404 means "not a domain here" and anything else is an error.
   */
  const listAt = async (name: string): Promise<{ domain: string; listed: ListedRecord[] }> => {
    if (fixedDomain) {
      if (!isInZone(name, fixedDomain)) throw new ProviderError('fatal', `${name} is not inside DigitalOcean domain ${fixedDomain} (digitalocean domain setting)`);
      const listed = await api.listRecords(fixedDomain, name);
      if (!listed) throw new ProviderError('fatal', `DigitalOcean has no domain ${fixedDomain} visible to this token (digitalocean domain setting); add it under Networking → Domains`);
      return { domain: fixedDomain, listed };
    }
    const tried = zoneCandidates(name);
    for (const domain of tried.filter((d) => !missing.has(d))) {
      const listed = await api.listRecords(domain, name);
      if (listed) return { domain, listed };
      missing.add(domain);
    }
    throw new ProviderError('fatal', `no DigitalOcean domain holding ${name} is visible to this token (tried ${tried.join(', ')}); add the domain, or set domain`);
  };

  return {
    async read(ref: RecordRef): Promise<CurrentRecord | null> {
      const { listed } = await listAt(ref.name);
      return valueRecordsAt(listed, ref, SERVICE).current;
    },

    async write(ref: RecordRef, req: WriteRequest): Promise<void> {
      const { domain, listed } = await listAt(ref.name);
      const ttl = digitaloceanTtl(req.ttl);
      const body = (data: string) => ({ type: ref.type, name: recordName(relativeName(ref.name, domain)), data, ttl });
      await syncValueRecords(listed, ref, req, ttl, { service: SERVICE, zone: domain }, {
        update: (id, value) => api.updateRecord(domain, id, body(value)),
        create: (value) => api.createRecord(domain, body(value)),
        remove: (id) => api.deleteRecord(domain, id),
      });
    },
  };
}

export const digitaloceanProvider: ProviderFactory<DigitaloceanConfig> = {
  kind: 'digitalocean',
  description: 'DigitalOcean DNS (API v2): one record per address, updated in place; no conditional writes.',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: false, batch: false },
  secretKeys: ['token'],
  configSchema: digitaloceanConfigSchema,
  storedTtl: (ttl) => digitaloceanTtl(ttl),
  create: (config, ctx) => createDigitaloceanProvider(config, ctx),
};

export default digitaloceanProvider;
