import * as z from 'zod/mini';
import { ProviderError } from '../kit/errors.js';
import { isInZone, zoneCandidates } from '../kit/dns-name.js';
import { sameAddressSet } from '../kit/ip.js';
import { bareName, domainName, wantedAddresses } from '../kit/records.js';
import { doc, optional } from '../kit/schema.js';
import { checkTokenKeys, tokenKeys } from '../kit/token-config.js';
import type { Provider, ProviderContext, ProviderFactory, RecordRef, WriteRequest } from '../kit/types.js';
import { createGandiApi, DEFAULT_ENDPOINT } from './api.js';
import { currentOf, rrsetName } from './parse.js';

/** LiveDNS takes rrset_ttl from 300 s to 30 days. */
const MIN_TTL = 300;
const MAX_TTL = 2_592_000;

export const gandiConfigSchema = doc(
  z
    .strictObject({
      type: doc(z.literal('gandi'), 'Provider kind: Gandi LiveDNS (API v5, api.gandi.net/v5/livedns).'),
      ...tokenKeys('Gandi personal access token with "Manage domain name technical configurations" (API keys are deprecated and not supported).', DEFAULT_ENDPOINT),
      zone: optional(domainName('must be a domain name such as example.com'), 'The LiveDNS domain holding the records. Default: found by trying the record name\'s parent names (GET /domains/{fqdn}), once per run.'),
    })
    .check(checkTokenKeys()),
  'Gandi LiveDNS v5: replaces the A/AAAA RRset of the name with one PUT.',
);

export type GandiConfig = z.infer<typeof gandiConfigSchema>;

const storedTtl = (ttl: number): number => Math.min(MAX_TTL, Math.max(MIN_TTL, ttl));

export function createGandiProvider(config: GandiConfig, ctx: ProviderContext, deps: { timeoutMs?: number } = {}): Provider {
  const api = createGandiApi(config, ctx, deps);

  /** Domains found in this run, and names known not to be domains of this token. */
  const zones = new Set<string>();
  const notZones = new Set<string>();

  /** The LiveDNS domain of `name`: the configured one, else the longest parent name Gandi knows (404: not one). */
  const zoneOf = async (name: string): Promise<string> => {
    if (config.zone) {
      const zone = bareName(config.zone);
      if (!isInZone(name, zone)) throw new ProviderError('fatal', `${name} is not inside Gandi domain ${zone} (zone: ${zone})`);
      if (!zones.has(zone)) {
        if (!(await api.hasDomain(zone))) throw new ProviderError('fatal', `Gandi LiveDNS has no domain ${zone} visible to this token; check zone, or the token's organization`);
        zones.add(zone);
      }
      return zone;
    }
    const tried = zoneCandidates(name);
    const known = tried.find((c) => zones.has(c));
    if (known) return known;
    for (const zone of tried.filter((c) => !notZones.has(c))) {
      if (await api.hasDomain(zone)) {
        zones.add(zone);
        return zone;
      }
      notZones.add(zone);
    }
    throw new ProviderError('fatal', `no Gandi LiveDNS domain holding ${name} is visible to this token (looked for ${tried.join(', ')}); set zone, or use a token of the organization that holds it`);
  };

  const lookup = async (ref: RecordRef) => {
    const zone = await zoneOf(ref.name);
    const name = rrsetName(ref.name, zone);
    return { zone, name, current: currentOf(await api.listAt(zone, name), name, ref) };
  };

  /** Reads the name again, then sends one PUT (values and TTL) when something differs, or a DELETE for an empty list. */
  const write = async (ref: RecordRef, req: WriteRequest): Promise<void> => {
    const wanted = wantedAddresses(ref.type, req.values);
    const ttl = storedTtl(req.ttl);
    const { zone, name, current } = await lookup(ref);
    if (current?.cname !== undefined) throw new ProviderError('fatal', `${ref.name} is a CNAME in Gandi domain ${zone}: an ${ref.type} RRset cannot share its name`);
    if (req.previous && !sameAddressSet(current?.values ?? [], req.previous.values)) {
      throw new ProviderError('conflict', `${ref.name} ${ref.type} changed in Gandi since it was read in this run; not overwriting`);
    }
    if (wanted.length === 0) {
      if (current) await api.deleteRrset(zone, name, ref.type);
      return;
    }
    if (current && sameAddressSet(current.values, wanted) && current.ttl === ttl) return;
    await api.putRrset(zone, name, ref.type, wanted, ttl);
  };

  return {
    read: async (ref) => (await lookup(ref)).current,
    write,
  };
}

export const gandiProvider: ProviderFactory<GandiConfig> = {
  kind: 'gandi',
  description: 'Gandi LiveDNS v5 (personal access token): replaces the A/AAAA RRset with one PUT; TTL 300 s to 30 days.',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: false, batch: false },
  secretKeys: ['token'],
  configSchema: gandiConfigSchema,
  storedTtl,
  create: (config, ctx) => createGandiProvider(config, ctx),
};

export default gandiProvider;
