import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 4 | 6;

/**
 * node:net's IPv6 test compiles a very large regular expression on first use (about 12 ms, a tenth
 * of a cron run's start-up); text without a colon is never IPv6, so most runs never need it.
 */
export function isIpv6(text: string): boolean {
  return text.includes(':') && isIPv6(text);
}

export function ipFamily(text: string): IpFamily | null {
  if (isIPv4(text)) return 4;
  if (isIpv6(text)) return 6;
  return null;
}

/** One spelling per address, so "2001:DB8:0::1" and "2001:db8::1" compare equal. */
export function canonicalIp(text: string): string {
  if (isIpv6(text)) return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  return text;
}

/** Same addresses regardless of order or spelling. */
export function sameAddressSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a.map(canonicalIp));
  const sb = new Set(b.map(canonicalIp));
  if (sa.size !== sb.size) return false;
  for (const x of sa) if (!sb.has(x)) return false;
  return true;
}
