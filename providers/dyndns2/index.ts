import * as z from 'zod/mini';
import { doc, nonEmpty, optional } from '../kit/schema.js';
import { canonicalIp, ipFamily } from '../kit/ip.js';
import { ProviderError } from '../kit/errors.js';
import { assertSafeUrl } from '../kit/url.js';
import type { CurrentRecord, Provider, ProviderContext, ProviderFactory, RecordRef } from '../kit/types.js';
import type { HttpDeps } from '../kit/http.js';
import { createResolver, parseResolverAddress, queryAddresses } from '../kit/dns-query.js';
import { createDyndns2Api, UPDATE_PATH } from './api.js';
import { PRESET_NAMES, PRESETS } from './presets.js';

export const dyndns2ConfigSchema = doc(
  z
    .strictObject({
      type: doc(z.literal('dyndns2'), 'Provider kind: a DynDNS2 (/nic/update) service such as No-IP, Dyn, dynv6, Hurricane Electric, OVH.'),
      preset: optional(
        z.enum(PRESET_NAMES),
        'A known service: its update URL and quirks (he: the username is the hostname; dynv6, duckdns: fixed username; ovh: system=dyndns). Give preset or server.',
      ),
      server: optional(z.string(), 'Base URL of another DynDNS2 service, e.g. https://dyn.example.com; /nic/update is appended. Give preset or server.'),
      endpoint: optional(z.string(), 'Overrides the base URL (of the preset, or as server does), e.g. a private deployment or a local test server; /nic/update is appended.'),
      username: optional(nonEmpty(), 'Basic-auth username. Not used by presets that fix it (he, dynv6, duckdns).'),
      password: optional(nonEmpty(), 'Basic-auth password, token or record key. Secret: prefer passwordFile or ${ENV}.'),
      passwordFile: optional(nonEmpty(), 'File holding the password (trailing newline ignored).'),
      resolver: optional(
        z.string(),
        'DNS server (IP[:port], e.g. "127.0.0.1:5300") to read the current record from, ideally the zone\'s authoritative server. Without it the record is never read: dnsfail relies on what it last published.',
      ),
      allowInsecureHttp: optional(z.boolean(), 'Allow plain http to a non-loopback server (the password then crosses the network in clear).'),
    })
    .check(
      z.superRefine((c, ctx) => {
        const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
        if (!c.preset && !c.server && !c.endpoint) issue('preset', `give preset (${PRESET_NAMES.join(', ')}) or server`);
        if (c.preset && c.server) issue('server', 'give either preset or server; to point a preset at another URL use endpoint');
        if (c.server && c.endpoint) issue('endpoint', 'give either server or endpoint, not both');
        for (const key of ['server', 'endpoint'] as const) {
          const url = c[key];
          if (url === undefined) continue;
          try {
            const u = assertSafeUrl(url, c.allowInsecureHttp, key);
            if (u.pathname.replace(/\/$/, '').endsWith(UPDATE_PATH)) issue(key, `give the base URL; ${UPDATE_PATH} is appended`);
          } catch (e) {
            issue(key, (e as Error).message.slice(`${key}: `.length));
          }
        }
        const preset = c.preset ? PRESETS[c.preset] : undefined;
        if (preset?.usernameIsHostname && c.username !== undefined) issue('username', `preset ${c.preset} uses the hostname as username; remove username`);
        else if (preset?.fixedUsername && c.username !== undefined) issue('username', `preset ${c.preset} always uses the username "${preset.fixedUsername}"; remove username`);
        else if (!preset?.usernameIsHostname && !preset?.fixedUsername && c.username === undefined) issue('username', 'username is required');
        if (c.password === undefined && c.passwordFile === undefined) issue('password', 'password or passwordFile is required');
        if (c.resolver !== undefined && !parseResolverAddress(c.resolver)) issue('resolver', 'must be an IP address with an optional port, e.g. "127.0.0.1:5300" or "[::1]:53"');
      }),
    ),
  'DynDNS2 provider: updates one hostname per request with GET /nic/update (write-only; one address per record).',
);

export type Dyndns2Config = z.infer<typeof dyndns2ConfigSchema>;

export function createDyndns2Provider(config: Dyndns2Config, ctx: ProviderContext, deps: HttpDeps = {}): Provider {
  const api = createDyndns2Api(config, ctx, deps);
  const provider: Provider = {
    write: async (ref, req) => api.update(ref.name, singleAddress(ref, req.values)),
  };
  if (config.resolver !== undefined) provider.read = createDnsReader(config.resolver);
  return provider;
}

/** The protocol sets one address per hostname and cannot delete: exactly one value, of the record's family. */
function singleAddress(ref: RecordRef, values: string[]): string {
  const distinct = [...new Set(values.map((v) => (ipFamily(v) ? canonicalIp(v) : v)))];
  if (distinct.length !== 1) {
    throw new ProviderError('fatal', `dyndns2: ${ref.name} ${ref.type} can hold exactly one address (asked for ${distinct.length === 0 ? 'none' : distinct.join(', ')})`);
  }
  const ip = distinct[0]!;
  if (ipFamily(ip) !== (ref.type === 'A' ? 4 : 6)) throw new ProviderError('fatal', `dyndns2: ${JSON.stringify(ip)} is not an ${ref.type === 'A' ? 'IPv4' : 'IPv6'} address`);
  return ip;
}

/**
 * Reads A/AAAA straight from one DNS server (ideally the zone's authoritative one, so no cache can
 * hide a change). NXDOMAIN and NODATA mean "no such rrset"; other failures are transient.
 */
function createDnsReader(server: string): (ref: RecordRef) => Promise<CurrentRecord | null> {
  const resolver = createResolver([server]);
  return async (ref) => {
    if (ref.type === 'TXT') throw new ProviderError('fatal', 'dyndns2 reads only A and AAAA records');
    try {
      return await queryAddresses(resolver, ref.name, ref.type);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ProviderError('transient', `dyndns2: DNS query ${ref.name} ${ref.type} at ${server}: ${code ?? (e as Error).message}`);
    }
  };
}

export const dyndns2Provider: ProviderFactory<Dyndns2Config> = {
  kind: 'dyndns2',
  description: 'DynDNS2 /nic/update services (No-IP, Dyn, dynv6, Hurricane Electric, OVH, ChangeIP, DuckDNS, INWX, Strato, or any server URL).',
  // read stays false even with `resolver`: the protocol has no read call; a DNS answer is a best effort.
  capabilities: { read: false, multiValue: false, aaaa: true, ttl: false, compareAndSet: false, batch: false },
  secretKeys: ['password'],
  configSchema: dyndns2ConfigSchema,
  refusesType: (type, config) =>
    type === 'AAAA' && config.preset === 'dynv6' ? "dynv6's /nic/update is IPv4-only; manage this name's AAAA through another provider or use type: A" : undefined,
  create: (config, ctx) => createDyndns2Provider(config, ctx),
};

export default dyndns2Provider;
