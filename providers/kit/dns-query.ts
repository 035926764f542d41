/** The one DNS reader: asks given servers directly (no cache in between), for doctor and providers that read through DNS. */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

const TIMEOUT_MS = 2000;
const TRIES = 2;
/** c-ares codes: NXDOMAIN, and NOERROR without an answer of the type asked. Anything else is a failed read. */
const NXDOMAIN = 'ENOTFOUND';
const NODATA = 'ENODATA';

/** "127.0.0.1", "127.0.0.1:5300", "::1", "[::1]:5300": an IP literal, optionally with a port. Null when not. */
export function parseResolverAddress(text: string): { host: string; port?: number } | null {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:]+):(\d{1,5})$/.exec(text);
  const host = m ? m[1]! : text;
  const port = m ? Number(m[2]) : undefined;
  if (!isIP(host) || (port !== undefined && (port < 1 || port > 65535))) return null;
  return port === undefined ? { host } : { host, port };
}

/** A resolver that asks exactly these servers ("IP[:port]"); throws for one that is not an IP literal. */
export function createResolver(servers: string[], timeoutMs = TIMEOUT_MS): Resolver {
  const r = new Resolver({ timeout: timeoutMs, tries: TRIES });
  r.setServers(
    servers.map((spec) => {
      const a = parseResolverAddress(spec);
      if (!a) throw new Error(`resolver "${spec}" must be an IP address with an optional port`);
      if (a.port === undefined) return a.host;
      return isIP(a.host) === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
    }),
  );
  return r;
}

const isAbsence = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === NXDOMAIN || code === NODATA;
};

/** A or AAAA values of `name` and their lowest TTL; null when the name or the rrset does not exist. Other failures throw. */
export async function queryAddresses(r: Resolver, name: string, type: 'A' | 'AAAA'): Promise<{ values: string[]; ttl: number } | null> {
  try {
    const answers = type === 'A' ? await r.resolve4(name, { ttl: true }) : await r.resolve6(name, { ttl: true });
    if (answers.length === 0) return null;
    return { values: answers.map((a) => a.address), ttl: Math.min(...answers.map((a) => a.ttl)) };
  } catch (e) {
    if (isAbsence(e)) return null;
    throw e;
  }
}

/** CNAME target of `name`; else 'nxdomain' when the name does not exist, 'nodata' when it has no CNAME. */
export async function queryCnameOrAbsence(r: Resolver, name: string): Promise<string | 'nxdomain' | 'nodata'> {
  try {
    const [target] = await r.resolveCname(name);
    return target ? target.toLowerCase().replace(/\.$/, '') : 'nodata';
  } catch (e) {
    if (!isAbsence(e)) throw e;
    return (e as NodeJS.ErrnoException).code === NXDOMAIN ? 'nxdomain' : 'nodata';
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

/**
 * The authoritative servers of the zone holding `name`: walk up the labels asking the system
 * resolver for NS, then resolve those names. For when no resolver is configured.
 */
export async function authoritativeServers(name: string): Promise<string[]> {
  const system = new Resolver({ timeout: 3000, tries: TRIES });
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
