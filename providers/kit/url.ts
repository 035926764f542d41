import { ProviderError } from './errors.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/i;

/** https, or plain http to loopback only, unless the provider's allowInsecureHttp says otherwise. */
export function assertSafeUrl(url: string, allowInsecureHttp: boolean | undefined, what: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ProviderError('fatal', `${what}: "${url}" is not a URL`);
  }
  if (u.protocol === 'https:') return u;
  if (u.protocol === 'http:' && (LOOPBACK.test(u.hostname) || allowInsecureHttp)) return u;
  throw new ProviderError('fatal', `${what}: ${u.protocol}//${u.host} is not https (plain http is allowed only to loopback, or with allowInsecureHttp: true)`);
}
