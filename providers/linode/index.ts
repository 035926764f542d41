import * as z from 'zod/mini';
import { isInZone, relativeName } from '../kit/dns-name.js';
import { ProviderError } from '../kit/errors.js';
import { doc, optional } from '../kit/schema.js';
import { tokenKeys, checkTokenKeys } from '../kit/token-config.js';
import type { CurrentRecord, Provider, ProviderContext, ProviderFactory, RecordRef, WriteRequest } from '../kit/types.js';
import type { PagedHttpDeps } from '../kit/http.js';
import { syncValueRecords, valueRecordsAt } from '../kit/value-records.js';
import { createLinodeApi, DEFAULT_ENDPOINT, type LinodeApi } from './api.js';
import { domainFor, linodeTtl, type LinodeDomain } from './parse.js';

const SERVICE = 'Linode';

export const linodeConfigSchema = doc(
  z
    .strictObject({
      type: doc(z.literal('linode'), 'Provider kind: Linode (Akamai) DNS Manager through the API v4.'),
      ...tokenKeys('Personal access token with the Domains Read/Write scope.', DEFAULT_ENDPOINT),
      domainId: optional(
        z.number().check(z.int(), z.positive('must be the numeric id of the domain (linode-cli domains list shows it)')),
        'The id of the Linode domain holding the records. Default: found by listing the domains (GET /domains) once per run and taking the longest that contains the record name.',
      ),
    })
    .check(checkTokenKeys()),
  'Linode: keeps the A/AAAA records of a name (one record per address) through the API v4.',
);

export type LinodeConfig = z.infer<typeof linodeConfigSchema>;

export function createLinodeProvider(config: LinodeConfig, ctx: ProviderContext, deps: PagedHttpDeps = {}): Provider {
  const api: LinodeApi = createLinodeApi(config, ctx, deps);

  // One lookup per provider instance (one run); a failed one is not kept, so a retry asks again.
  let domains: Promise<LinodeDomain[]> | undefined;
  const domainOf = async (name: string): Promise<LinodeDomain> => {
    domains ??= (config.domainId !== undefined ? api.getDomain(config.domainId).then((d) => [d]) : api.listDomains()).catch((e: unknown) => {
      domains = undefined;
      throw e;
    });
    const list = await domains;
    const domain = domainFor(name, list);
    if (domain) return domain;
    if (config.domainId !== undefined) throw new ProviderError('fatal', `${name} is not inside Linode domain ${list[0]?.name ?? '?'} (domainId ${config.domainId})`);
    throw new ProviderError('fatal', `no Linode domain holding ${name} is visible to this token (it sees ${list.length} domain${list.length === 1 ? '' : 's'}); add the domain in the DNS Manager, or set domainId`);
  };

  return {
    async read(ref: RecordRef): Promise<CurrentRecord | null> {
      const domain = await domainOf(ref.name);
      return valueRecordsAt(await api.listRecords(domain), ref, SERVICE).current;
    },

    async write(ref: RecordRef, req: WriteRequest): Promise<void> {
      const domain = await domainOf(ref.name);
      const listed = await api.listRecords(domain);
      const ttl = linodeTtl(req.ttl);
      // The apex goes as the domain itself ("the hostname or FQDN of the Record"): name must not be empty.
      const name = isInZone(ref.name, domain.name) && ref.name !== domain.name ? relativeName(ref.name, domain.name) : domain.name;
      await syncValueRecords(listed, ref, req, ttl, { service: SERVICE, zone: domain.name }, {
        update: (id, target) => api.updateRecord(domain.id, id, { target, ttl_sec: ttl }),
        create: (target) => api.createRecord(domain.id, { type: ref.type, name, target, ttl_sec: ttl }),
        remove: (id) => api.deleteRecord(domain.id, id),
      });
    },
  };
}

export const linodeProvider: ProviderFactory<LinodeConfig> = {
  kind: 'linode',
  description: 'Linode (Akamai) DNS Manager (API v4): one record per address, updated in place; no conditional writes.',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: false, batch: false },
  secretKeys: ['token'],
  configSchema: linodeConfigSchema,
  storedTtl: (ttl) => linodeTtl(ttl),
  create: (config, ctx) => createLinodeProvider(config, ctx),
};

export default linodeProvider;
