import * as z from 'zod/mini';
import { ProviderError } from '../kit/errors.js';
import { isInZone } from '../kit/dns-name.js';
import { sameAddressSet } from '../kit/ip.js';
import { asError, bareName, domainName, finishBatch, groupIndexes, readGroups, startBatch } from '../kit/records.js';
import { doc, optional } from '../kit/schema.js';
import { checkTokenKeys, tokenKeys } from '../kit/token-config.js';
import type { CurrentRecord, ItemResult, Provider, ProviderContext, ProviderFactory, RecordRef, WriteItem } from '../kit/types.js';
import { BulkRefused, createDesecApi, DEFAULT_ENDPOINT, type RrsetChange } from './api.js';
import { currentOf, subnameOf, type DesecDomain, type DesecRrset } from './parse.js';

/** deSEC's usual minimum TTL for a domain (dedyn.io names may have less). */
const DEFAULT_MINIMUM_TTL = 3600;

export const desecConfigSchema = doc(
  z
    .strictObject({
      type: doc(z.literal('desec'), 'Provider kind: deSEC (desec.io) through its RRset API.'),
      ...tokenKeys('deSEC API token.', DEFAULT_ENDPOINT, 'Token'),
      domain: optional(domainName('must be a domain name such as example.com'), 'The deSEC domain holding the records. Default: asked of deSEC per name (GET /domains/?owns_qname=).'),
      minimumTtl: optional(
        z.number().check(z.int(), z.minimum(1), z.maximum(604_800)),
        `The domain's minimum_ttl: TTLs below it are sent as it (deSEC refuses less). Default ${DEFAULT_MINIMUM_TTL}; dedyn.io names often allow 60.`,
      ),
    })
    .check(checkTokenKeys()),
  'deSEC: replaces the A/AAAA RRset through the RRset API; several records of a domain in one atomic bulk PATCH.',
);

export type DesecConfig = z.infer<typeof desecConfigSchema>;

const storedTtl = (ttl: number, config: DesecConfig): number => Math.min(604_800, Math.max(ttl, config.minimumTtl ?? DEFAULT_MINIMUM_TTL));

export function createDesecProvider(config: DesecConfig, ctx: ProviderContext, deps: { timeoutMs?: number } = {}): Provider {
  const api = createDesecApi(config, ctx, deps);

  // Per instance (one run): the domain of each name, and the account's domain list. Failures are not kept.
  const domains = new Map<string, Promise<DesecDomain>>();
  const once = (key: string, fetch: () => Promise<DesecDomain>): Promise<DesecDomain> => {
    let p = domains.get(key);
    if (!p) {
      p = fetch();
      domains.set(key, p);
      p.catch(() => domains.delete(key));
    }
    return p;
  };
  let allDomains: Promise<DesecDomain[]> | undefined;
  const missing = (name: string) => new ProviderError('fatal', `no deSEC domain of this account holds ${name}; add the domain in deSEC, or set domain`);
  /** The domain of `name`: the configured one, else the most specific of the listed domains (several names) or owns_qname (one). */
  const domainFor = async (name: string, several: boolean): Promise<DesecDomain> => {
    let d: DesecDomain;
    if (config.domain) {
      const key = bareName(config.domain);
      d = await once(key, async () => (await api.getDomain(key)) ?? Promise.reject(new ProviderError('fatal', `deSEC has no domain ${key} in this account (domain: ${key})`)));
    } else if (several) {
      allDomains ??= api.listDomains().catch((e: unknown) => {
        allDomains = undefined;
        throw e;
      });
      const match = (await allDomains).filter((x) => isInZone(name, x.name)).sort((a, b) => b.name.length - a.name.length)[0];
      if (!match) throw missing(name);
      d = match;
    } else {
      d = await once(name, async () => (await api.domainOwning(name)) ?? Promise.reject(missing(name)));
    }
    if (!isInZone(name, d.name)) throw new ProviderError('fatal', `${name} is not inside deSEC domain ${d.name}`);
    return d;
  };

  /** The refs' domains; `fail` gets the refs whose domain cannot be found. */
  const byDomain = async (refs: RecordRef[], fail: (at: number, e: unknown) => void, include: (at: number) => boolean = () => true) => {
    const several = new Set(refs.map((r) => r.name)).size > 1;
    const found = await Promise.all(refs.map((r, at) => (include(at) ? domainFor(r.name, several).catch((e: unknown) => (fail(at, e), null)) : null)));
    const groups = groupIndexes(refs.map((_, at) => at).filter((at) => found[at]), (at) => found[at]!.name);
    return [...groups.values()].map((members) => ({ domain: found[members[0]!]!, members }));
  };

  /** One name: its RRsets of every type (a small answer); several: the whole domain. */
  const listFor = (domain: DesecDomain, refs: RecordRef[]): Promise<DesecRrset[]> => {
    const names = new Set(refs.map((r) => r.name));
    return names.size === 1 ? api.listRrsets(domain.name, subnameOf(refs[0]!.name, domain.name)) : api.listRrsets(domain.name);
  };

  const readMany = async (refs: RecordRef[]): Promise<Array<CurrentRecord | null | Error>> => {
    const out: Array<CurrentRecord | null | Error> = refs.map(() => null);
    const groups = await byDomain(refs, (at, e) => (out[at] = asError(e)));
    return readGroups(refs, out, groups, async ({ domain }, members) => {
      const rrsets = await listFor(domain, members);
      return (ref) => currentOf(rrsets, subnameOf(ref.name, domain.name), ref);
    });
  };

  /**
   * Per domain: read its RRsets again, plan each record (nothing for one in sync, TTL included; a
   * CNAME at the name or a change since this run's read stops that record alone), and send the rest
   * in one atomic bulk PATCH. When deSEC refuses some items by name, those fail and the rest is sent again.
   */
  const writeMany = async (items: WriteItem[]): Promise<ItemResult[]> => {
    const { results, fail, wanted } = startBatch(items);
    const refs = items.map((i) => i.ref);
    const groups = await byDomain(refs, fail, (at) => results[at]!.ok);
    await Promise.all(
      groups.map(async ({ domain, members }) => {
        let rrsets: DesecRrset[];
        try {
          rrsets = await listFor(domain, members.map((at) => refs[at]!));
        } catch (e) {
          for (const at of members) fail(at, e);
          return;
        }
        let plan: { at: number; change: RrsetChange }[] = [];
        for (const at of members) {
          const { ref, req } = items[at]!;
          try {
            const subname = subnameOf(ref.name, domain.name);
            const current = currentOf(rrsets, subname, ref);
            if (current?.cname !== undefined) throw new ProviderError('fatal', `${ref.name} is a CNAME in deSEC domain ${domain.name}: an ${ref.type} RRset cannot share its name`);
            const ttl = storedTtl(req.ttl, config);
            if (ttl < domain.minimumTtl) {
              throw new ProviderError('fatal', `${ref.name} ${ref.type}: deSEC domain ${domain.name} has minimum_ttl ${domain.minimumTtl}, above the TTL ${ttl}; set the record's ttl (or the provider's minimumTtl) to ${domain.minimumTtl}`);
            }
            if (current ? sameAddressSet(current.values, wanted[at]!) && current.ttl === ttl : wanted[at]!.length === 0) continue;
            if (req.previous && !sameAddressSet(current?.values ?? [], req.previous.values)) {
              throw new ProviderError('conflict', `${ref.name} ${ref.type} changed in deSEC since it was read in this run; not overwriting`);
            }
            plan.push({ at, change: { subname, type: ref.type, ttl, records: wanted[at]! } });
          } catch (e) {
            fail(at, e);
          }
        }
        for (let attempt = 0; plan.length > 0 && attempt < 2; attempt++) {
          try {
            await api.patchRrsets(domain.name, plan.map((p) => p.change));
            return;
          } catch (e) {
            if (!(e instanceof BulkRefused) || attempt === 1) {
              for (const p of plan) fail(p.at, e);
              return;
            }
            plan = plan.filter((p, i) => {
              const why = e.itemErrors[i];
              if (why) fail(p.at, new ProviderError('fatal', `deSEC refused ${items[p.at]!.ref.name} ${p.change.type}: ${why}`));
              return !why;
            });
          }
        }
      }),
    );
    return finishBatch(results);
  };

  return {
    async read(ref) {
      const [result] = await readMany([ref]);
      if (result instanceof Error) throw result;
      return result ?? null;
    },
    async write(ref, req) {
      const [result] = await writeMany([{ ref, req }]);
      if (result && !result.ok) throw result.error;
    },
    readMany,
    writeMany,
  };
}

export const desecProvider: ProviderFactory<DesecConfig> = {
  kind: 'desec',
  description: 'deSEC (desec.io): replaces the A/AAAA RRset; many records of a domain go in one atomic bulk PATCH.',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: false, batch: true },
  secretKeys: ['token'],
  configSchema: desecConfigSchema,
  storedTtl,
  create: (config, ctx) => createDesecProvider(config, ctx),
};

export default desecProvider;
