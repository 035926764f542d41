import { isInZone } from '../kit/dns-name.js';
import { ProviderError } from '../kit/errors.js';
import { groupIndexes } from '../kit/records.js';
import type { RecordRef } from '../kit/types.js';
import type { CloudflareApi } from './api.js';
import { zoneCandidates, type CfZone } from './parse.js';

/** Finds the Cloudflare zone of each record name, asking the API as little as one run allows. */
export interface ZoneFinder {
  /** The zone of one name: the configured zone, or a walk up its labels with GET /zones?name=. */
  zoneFor(name: string): Promise<CfZone>;
  /**
   * The zone of each ref (by position), grouped: zone id → zone and the positions of its refs.
   * `fail` gets the positions whose zone cannot be found; `include` leaves positions out.
   */
  group(refs: RecordRef[], fail: (at: number, e: unknown) => void, include?: (at: number) => boolean): Promise<Map<string, { zone: CfZone; members: number[] }>>;
}

export function createZoneFinder(api: CloudflareApi, zoneId: string | undefined): ZoneFinder {
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
    if (zoneId) {
      const zone = (await cached(`id:${zoneId}`, () => api.getZone(zoneId)))!;
      // Cloudflare would append the zone to a name outside it (app.other.test.example.com): refuse instead.
      if (!isInZone(name, zone.name)) throw new ProviderError('fatal', `${name} is not inside Cloudflare zone ${zone.name} (zoneId ${zoneId})`);
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

  return {
    zoneFor,
    async group(refs, fail, include = () => true) {
      const several = !zoneId && new Set(refs.map((r) => r.name)).size > 1;
      const zoneOf = await Promise.all(
        refs.map(async (ref, at) => {
          if (!include(at)) return undefined;
          try {
            return await (several ? zoneFromList(ref.name) : zoneFor(ref.name));
          } catch (e) {
            fail(at, e);
            return undefined;
          }
        }),
      );
      const found = [...refs.keys()].filter((at) => zoneOf[at] !== undefined);
      const groups = new Map<string, { zone: CfZone; members: number[] }>();
      for (const [id, positions] of groupIndexes(found, (at) => zoneOf[at]!.id)) {
        groups.set(id, { zone: zoneOf[positions[0]!]!, members: positions.map((p) => found[p]!) });
      }
      return groups;
    },
  };
}
