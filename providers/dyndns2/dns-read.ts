import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ProviderError } from '../kit/errors.js';
import type { CurrentRecord, RecordRef } from '../kit/types.js';

const TIMEOUT_MS = 2000;
const TRIES = 2;

/** "127.0.0.1", "127.0.0.1:5300", "::1", "[::1]:5300": an IP literal, optionally with a port. Null when not. */
export function parseResolverAddress(text: string): { host: string; port?: number } | null {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:]+):(\d{1,5})$/.exec(text);
  const host = m ? m[1]! : text;
  const port = m ? Number(m[2]) : undefined;
  if (!isIP(host) || (port !== undefined && (port < 1 || port > 65535))) return null;
  return port === undefined ? { host } : { host, port };
}

/**
 * Reads A/AAAA straight from one DNS server (ideally the zone's authoritative one, so no cache can
 * hide a change). NXDOMAIN and NODATA mean "no such rrset"; other failures are transient.
 */
export function createDnsReader(server: string): (ref: RecordRef) => Promise<CurrentRecord | null> {
  const resolver = new Resolver({ timeout: TIMEOUT_MS, tries: TRIES });
  resolver.setServers([server]);
  return async (ref) => {
    try {
      const answers = ref.type === 'A' ? await resolver.resolve4(ref.name, { ttl: true }) : await resolver.resolve6(ref.name, { ttl: true });
      if (answers.length === 0) return null;
      return { values: answers.map((a) => a.address), ttl: Math.min(...answers.map((a) => a.ttl)) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') return null;
      throw new ProviderError('transient', `dyndns2: DNS query ${ref.name} ${ref.type} at ${server}: ${code ?? (e as Error).message}`);
    }
  };
}
