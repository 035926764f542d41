import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { bareName } from '../../providers/kit/records.js';

/** "127.0.0.1:5300", "[::1]:53", "192.0.2.1" → the form node's Resolver.setServers takes. */
export function resolverServer(spec: string): string {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec) ?? /^([^:]+)(?::(\d+))?$/.exec(spec);
  const host = m?.[1] ?? spec;
  if (!isIP(host)) throw new Error(`resolver "${spec}" must be an IP address with an optional port`);
  const port = m?.[2];
  if (!port) return host;
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export function makeResolver(servers: string[], timeoutMs = 2000): Resolver {
  const r = new Resolver({ timeout: timeoutMs, tries: 2 });
  r.setServers(servers.map(resolverServer));
  return r;
}

const MISSING = new Set(['ENOTFOUND', 'ENODATA', 'NOTFOUND', 'NODATA']);

/** CNAME target of `name`; else 'nxdomain' when the name does not exist, 'nodata' when it has no CNAME. */
export async function lookupCnameOrAbsence(r: Resolver, name: string): Promise<string | 'nxdomain' | 'nodata'> {
  try {
    const [target] = await r.resolveCname(name);
    return target ? bareName(target) : 'nodata';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOTFOUND' || code === 'NOTFOUND') return 'nxdomain';
    if (MISSING.has(code)) return 'nodata';
    throw e;
  }
}

/** The zone `name` lives in: the closest enclosing name with an SOA, as this resolver sees it. */
export async function enclosingZone(r: Resolver, name: string): Promise<string | null> {
  const labels = name.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const candidate = labels.slice(i).join('.');
    try {
      await r.resolveSoa(candidate);
      return candidate;
    } catch {
      // Not a zone apex (or no answer): try the parent.
    }
  }
  return null;
}

/** A or AAAA values of `name`, or null when there are none. */
export async function lookupAddresses(r: Resolver, name: string, type: 'A' | 'AAAA'): Promise<{ values: string[]; ttl: number } | null> {
  try {
    const recs = type === 'A' ? await r.resolve4(name, { ttl: true }) : await r.resolve6(name, { ttl: true });
    if (recs.length === 0) return null;
    return { values: recs.map((x) => x.address), ttl: Math.min(...recs.map((x) => x.ttl)) };
  } catch (e) {
    if (MISSING.has((e as NodeJS.ErrnoException).code ?? '')) return null;
    throw e;
  }
}

/**
 * The authoritative servers of the zone holding `name`: walk up the labels asking the system
 * resolver for NS, then resolve those names. Used only when no resolver is configured.
 */
export async function authoritativeServers(name: string): Promise<string[]> {
  const system = new Resolver({ timeout: 3000, tries: 2 });
  const labels = name.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const zone = labels.slice(i).join('.');
    let ns: string[];
    try {
      ns = await system.resolveNs(zone);
    } catch {
      continue;
    }
    const ips = (await Promise.all(ns.map((n) => system.resolve4(n).catch(() => [] as string[])))).flat();
    if (ips.length) return ips;
  }
  return [];
}
