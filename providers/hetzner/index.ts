import * as z from 'zod/mini';
import { ProviderError } from '../kit/errors.js';
import { isInZone } from '../kit/dns-name.js';
import { sameAddressSet } from '../kit/ip.js';
import { asError, bareName, domainName, groupIndexes, throwIfOneFailure, wantedAddresses } from '../kit/records.js';
import { doc, optional } from '../kit/schema.js';
import { checkTokenKeys, tokenKeys } from '../kit/token-config.js';
import type { CurrentRecord, Provider, ProviderContext, ProviderFactory, RecordRef, WriteRequest } from '../kit/types.js';
import { createHetznerApi, DEFAULT_ENDPOINT, type HetznerDeps } from './api.js';
import { zoneCandidates } from '../kit/dns-name.js';
import { currentOf, rrName, type HcloudRrset } from './parse.js';

/** Hetzner refuses TTLs below 60 s. */
const MIN_TTL = 60;
/** set_records and add_records take at most 50 records. */
const MAX_RECORDS = 50;

export const hetznerConfigSchema = doc(
  z
    .strictObject({
      type: doc(z.literal('hetzner'), 'Provider kind: Hetzner DNS through the Hetzner Cloud API (zones and RRSets, api.hetzner.cloud/v1).'),
      ...tokenKeys('Hetzner Console API token with Read & Write permission, of the project holding the zone.', DEFAULT_ENDPOINT),
      zone: optional(domainName('must be a zone name such as example.com'), 'The zone holding the records. Default: found by trying the record name\'s parent names, once per run.'),
    })
    .check(checkTokenKeys()),
  'Hetzner DNS (Cloud API zones/RRSets): sets the A/AAAA RRSet with set_records, change_ttl and add_records, waiting for each Action.',
);

export type HetznerConfig = z.infer<typeof hetznerConfigSchema>;

const storedTtl = (ttl: number): number => Math.max(MIN_TTL, ttl);

export function createHetznerProvider(config: HetznerConfig, ctx: ProviderContext, deps: HetznerDeps = {}): Provider {
  const api = createHetznerApi(config, ctx, deps);

  /** Zones found in this run, and names known not to be zones. */
  const zones = new Set<string>();
  const notZones = new Set<string>();

  /**
   * The zone of `name` and the RRSets `filter` selects in it. Without a configured zone, the
   * candidates are tried from the longest (a 404 means "not a zone of this token").
   */
  const lookup = async (name: string, filter: (zone: string) => { name?: string; types?: string[] }): Promise<{ zone: string; rrsets: HcloudRrset[] }> => {
    if (config.zone) {
      const zone = bareName(config.zone);
      if (!isInZone(name, zone)) throw new ProviderError('fatal', `${name} is not inside Hetzner zone ${zone} (zone: ${zone})`);
      const rrsets = await api.listRrsets(zone, filter(zone));
      if (!rrsets) throw new ProviderError('fatal', `Hetzner has no zone ${zone} visible to this token; check zone, or use a token of the project that holds it`);
      return { zone, rrsets };
    }
    const tried = zoneCandidates(name);
    const known = tried.find((c) => zones.has(c));
    for (const zone of known ? [known] : tried.filter((c) => !notZones.has(c))) {
      const rrsets = await api.listRrsets(zone, filter(zone));
      if (rrsets) {
        zones.add(zone);
        return { zone, rrsets };
      }
      notZones.add(zone);
    }
    throw new ProviderError('fatal', `no Hetzner zone holding ${name} is visible to this token (looked for ${tried.join(', ')}); set zone, or use a token of the project that holds it`);
  };

  /** One name: its RRSets of every type (a CNAME shows); several: the A, AAAA and CNAME RRSets of the zone. */
  const oneName = (name: string) => (zone: string) => ({ name: rrName(name, zone) });
  const allAddresses = () => ({ types: ['A', 'AAAA', 'CNAME'] });

  const readMany = async (refs: RecordRef[]): Promise<Array<CurrentRecord | null | Error>> => {
    const out: Array<CurrentRecord | null | Error> = refs.map(() => null);
    const byName = groupIndexes(refs, (r) => r.name);
    const listings = new Map<string, Promise<{ zone: string; rrsets: HcloudRrset[] }>>();
    // One name after the other: names in a zone already listed cost no request.
    for (const [name, members] of byName) {
      try {
        const { zone, rrsets } = byName.size === 1 ? await lookup(name, oneName(name)) : await zoneListing(listings, name);
        for (const at of members) out[at] = currentOf(rrsets, rrName(name, zone), refs[at]!);
      } catch (e) {
        for (const at of members) out[at] = asError(e);
      }
    }
    throwIfOneFailure(out.filter((r): r is Error => r instanceof Error), refs.length);
    return out;
  };

  /** The whole-zone listing for `name`, fetched once per zone (the zone is found with the first name's lookup). */
  const zoneListing = async (listings: Map<string, Promise<{ zone: string; rrsets: HcloudRrset[] }>>, name: string) => {
    const cached = [...listings.keys()].find((z) => isInZone(name, z));
    if (cached) return listings.get(cached)!;
    const found = lookup(name, allAddresses);
    const { zone } = await found;
    if (!listings.has(zone)) listings.set(zone, found);
    return listings.get(zone)!;
  };

  /**
   * Reads the name again, then changes only what differs: add_records creates a missing RRSet,
   * set_records replaces the values, change_ttl the TTL, DELETE removes it for an empty list.
   */
  const write = async (ref: RecordRef, req: WriteRequest): Promise<void> => {
    const wanted = wantedAddresses(ref.type, req.values);
    if (wanted.length > MAX_RECORDS) throw new ProviderError('fatal', `${ref.name} ${ref.type}: Hetzner takes at most ${MAX_RECORDS} records in an RRSet (got ${wanted.length})`);
    const ttl = storedTtl(req.ttl);
    const { zone, rrsets } = await lookup(ref.name, oneName(ref.name));
    const name = rrName(ref.name, zone);
    const current = currentOf(rrsets, name, ref);
    if (current?.cname !== undefined) throw new ProviderError('fatal', `${ref.name} is a CNAME in Hetzner zone ${zone}: an ${ref.type} RRSet cannot share its name`);
    if (req.previous && !sameAddressSet(current?.values ?? [], req.previous.values)) {
      throw new ProviderError('conflict', `${ref.name} ${ref.type} changed in Hetzner since it was read in this run; not overwriting`);
    }
    if (wanted.length === 0) {
      if (current) await api.deleteRrset(zone, name, ref.type);
      return;
    }
    if (!current) return api.addRecords(zone, name, ref.type, wanted, ttl);
    if (!sameAddressSet(current.values, wanted)) await api.setRecords(zone, name, ref.type, wanted);
    if (current.ttl !== ttl) await api.changeTtl(zone, name, ref.type, ttl);
  };

  return {
    async read(ref) {
      const [result] = await readMany([ref]);
      if (result instanceof Error) throw result;
      return result ?? null;
    },
    write,
    readMany,
  };
}

export const hetznerProvider: ProviderFactory<HetznerConfig> = {
  kind: 'hetzner',
  description: 'Hetzner DNS through the Hetzner Cloud API (zones/RRSets; not the retiring dns.hetzner.com API): sets the A/AAAA RRSet and waits for the Action.',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: false, batch: false },
  secretKeys: ['token'],
  configSchema: hetznerConfigSchema,
  storedTtl,
  create: (config, ctx) => createHetznerProvider(config, ctx),
};

export default hetznerProvider;
