import { ProviderError } from '../kit/errors.js';
import { canonicalIp, ipFamily } from '../kit/ip.js';
import type { RecordType } from '../kit/types.js';

/** Pure reading of the read hook's output. */

/** Addresses printed one per line or space-separated; each must be of the record's family. */
export function parseReadOutput(stdout: string, type: RecordType, what = 'read command'): string[] {
  const family = type === 'A' ? 4 : 6;
  const values: string[] = [];
  for (const token of stdout.split(/\s+/)) {
    if (token === '') continue;
    if (ipFamily(token) !== family) {
      throw new ProviderError('fatal', `${what} printed ${JSON.stringify(token.slice(0, 60))}, which is not an ${family === 4 ? 'IPv4' : 'IPv6'} address`);
    }
    const ip = canonicalIp(token);
    if (!values.includes(ip)) values.push(ip);
  }
  return values;
}
