import * as z from 'zod/mini';
import { doc, nonEmpty, optional } from '../kit/schema.js';
import { isInZone } from '../kit/dns-name.js';
import { sameAddressSet } from '../kit/ip.js';
import { ProviderError } from '../kit/errors.js';
import { assertSafeUrl } from '../kit/url.js';
import { asError, bareName, domainName, finishBatch, groupByZone, throwIfOneFailure, wantedAddresses } from '../kit/records.js';
import type { CurrentRecord, ItemResult, Provider, ProviderContext, ProviderFactory, RecordRef, WriteItem } from '../kit/types.js';
import type { HttpDeps } from '../kit/http.js';
import { createPowerdnsApi, DEFAULT_SERVER_ID } from './api.js';
import { findRrset, longestZoneFor, rrsetsNamedIn, wireName, type PdnsZone, type RrsetWrite } from './parse.js';

export const powerdnsConfigSchema = doc(
  z
    .strictObject({
      type: doc(z.literal('powerdns'), 'Provider kind: the PowerDNS Authoritative Server HTTP API.'),
      url: optional(
        nonEmpty(),
        'Base URL of the PowerDNS webserver, e.g. http://127.0.0.1:8081 (/api/v1/servers/<serverId> is appended). Plain http only to loopback unless allowInsecureHttp.',
      ),
      endpoint: optional(nonEmpty(), 'Alias of url, as other HTTP providers name their base URL. Give one of the two.'),
      apiKey: optional(nonEmpty(), 'The api-key of pdns.conf, sent as X-API-Key. Use ${ENV} or apiKeyFile rather than writing it here.'),
      apiKeyFile: optional(nonEmpty(), 'File holding the API key (trailing newline ignored); relative to the config file.'),
      serverId: optional(nonEmpty(), 'Server id in the API path. Default "localhost", the only one an Authoritative Server has.'),
      zone: optional(
        domainName(),
        'Zone that holds the records, e.g. example.test. Default: the longest zone on the server that is a suffix of the record name (one GET /zones per run).',
      ),
      allowInsecureHttp: optional(z.boolean(), 'Allow plain http to a non-loopback address (the API key then crosses the network in clear).'),
    })
    .check(
      z.superRefine((c, ctx) => {
        if (!c.url && !c.endpoint) ctx.addIssue({ code: 'custom', path: ['url'], message: 'url is required (the PowerDNS webserver, e.g. http://127.0.0.1:8081)' });
        if (c.url && c.endpoint && c.url !== c.endpoint) ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'endpoint is an alias of url: give only one' });
        if (!c.apiKey && !c.apiKeyFile) ctx.addIssue({ code: 'custom', path: ['apiKey'], message: 'apiKey (or apiKeyFile) is required' });
        const url = c.url ?? c.endpoint;
        if (url) {
          try {
            assertSafeUrl(url, c.allowInsecureHttp, 'url');
          } catch (e) {
            ctx.addIssue({ code: 'custom', path: [c.url ? 'url' : 'endpoint'], message: (e as Error).message });
          }
        }
      }),
    ),
  'PowerDNS Authoritative: replaces one A/AAAA rrset through the HTTP API (PATCH /zones/{zone}).',
);

export type PowerdnsConfig = z.infer<typeof powerdnsConfigSchema>;

export function createPowerdnsProvider(config: PowerdnsConfig, ctx: ProviderContext, deps: HttpDeps = {}): Provider {
  const api = createPowerdnsApi(config, ctx, deps);
  const serverId = config.serverId ?? DEFAULT_SERVER_ID;
  const fixedZone: PdnsZone | undefined = config.zone ? { id: wireName(config.zone), name: bareName(config.zone) } : undefined;
  let zones: Promise<PdnsZone[]> | undefined;

  const zoneFor = async (name: string): Promise<PdnsZone> => {
    if (fixedZone) {
      if (!isInZone(name, fixedZone.name)) throw new ProviderError('fatal', `${name} is not inside zone ${fixedZone.name} (powerdns zone setting)`);
      return fixedZone;
    }
    // One zone list per provider instance (one run); a failed fetch is not cached, so a retry refetches.
    zones ??= api.listZones().catch((e: unknown) => {
      zones = undefined;
      throw e;
    });
    const zone = longestZoneFor(name, await zones);
    if (!zone) throw new ProviderError('fatal', `no zone on PowerDNS server "${serverId}" contains ${name} (create it, or set zone:)`);
    return zone;
  };

  const readMany = async (refs: RecordRef[]): Promise<Array<CurrentRecord | null | Error>> => {
    const out: Array<CurrentRecord | null | Error> = refs.map(() => null);
    const groups = await groupByZone(refs, (ref) => zoneFor(bareName(ref.name)), (i, e) => (out[i] = e));
    await Promise.all(
      groups.map(async ({ zone, at }) => {
        try {
          // One record: the filtered GET (a small answer). Several: the whole zone once.
          if (at.length === 1) {
            const ref = refs[at[0]!]!;
            out[at[0]!] = await api.readRrset(zone, bareName(ref.name), ref.type);
            return;
          }
          const body = await api.readZone(zone);
          for (const i of at) {
            try {
              out[i] = findRrset(body, refs[i]!.name, refs[i]!.type);
            } catch (e) {
              out[i] = asError(e);
            }
          }
        } catch (e) {
          for (const i of at) out[i] = asError(e);
        }
      }),
    );
    throwIfOneFailure(out.filter((r): r is Error => r instanceof Error), refs.length);
    return out;
  };

  /**
   * One PATCH with every rrset of the zone. PowerDNS refuses all of it for one bad rrset and names that
   * rrset: that error goes to the rrsets it names and the rest is sent again (each round drops at least
   * one). An error that names none goes to every rrset still pending.
   */
  const patchZone = async (zone: PdnsZone, pending: { at: number; rrset: RrsetWrite }[], results: ItemResult[]): Promise<void> => {
    while (pending.length > 0) {
      try {
        await api.writeRrsets(zone, pending.map((p) => p.rrset));
        return;
      } catch (e) {
        const named = e instanceof ProviderError && e.kind === 'fatal' ? rrsetsNamedIn(e.message) : new Set<string>();
        const bad = pending.filter((p) => named.has(`${p.rrset.name}/${p.rrset.type}`));
        const failed = bad.length > 0 ? bad : pending;
        for (const p of failed) results[p.at] = { ok: false, error: e };
        pending = pending.filter((p) => !failed.includes(p));
      }
    }
  };

  const writeMany = async (items: WriteItem[]): Promise<ItemResult[]> => {
    const results: ItemResult[] = items.map(() => ({ ok: true }));
    const rrsets: RrsetWrite[] = [];
    const groups = await groupByZone(
      items,
      async ({ ref, req }, at) => {
        const name = bareName(ref.name);
        const values = wantedAddresses(ref.type, req.values);
        // What this run read is already what is wanted: nothing to send.
        if (req.previous && req.previous.ttl === req.ttl && values.length > 0 && sameAddressSet(req.previous.values, values)) return undefined;
        rrsets[at] = { name, type: ref.type, values, ttl: req.ttl };
        return zoneFor(name);
      },
      (at, error) => (results[at] = { ok: false, error }),
    );
    // One zone at a time: PowerDNS answers 500 to a PATCH that overlaps another one on a SQLite backend.
    for (const { zone, at } of groups) await patchZone(zone, at.map((i) => ({ at: i, rrset: rrsets[i]! })), results);
    return finishBatch(results);
  };

  return {
    async read(ref) {
      const name = bareName(ref.name);
      return api.readRrset(await zoneFor(name), name, ref.type);
    },

    async write(ref, req) {
      const [result] = await writeMany([{ ref, req }]);
      if (result && !result.ok) throw result.error;
    },

    readMany,
    writeMany,
  };
}

export const powerdnsProvider: ProviderFactory<PowerdnsConfig> = {
  kind: 'powerdns',
  description: 'Replaces the rrset through the PowerDNS Authoritative Server HTTP API.',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: false, batch: true, txt: true },
  secretKeys: ['apiKey'],
  configSchema: powerdnsConfigSchema,
  create: (config, ctx) => createPowerdnsProvider(config, ctx),
};

export default powerdnsProvider;
