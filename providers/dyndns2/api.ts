import { createHttpClient, type HttpClient } from '../kit/http.js';
import { ProviderError } from '../kit/errors.js';
import type { ProviderContext } from '../kit/types.js';
import type { Dyndns2Config } from './index.js';
import type { HttpDeps } from '../kit/http.js';
import { errorForAnswer, errorForCode, LOCKOUT_CODES, parseAnswerLines } from './parse.js';
import { GENERIC, PRESETS, type Dyndns2Preset } from './presets.js';

export const UPDATE_PATH = '/nic/update';

export interface Dyndns2Api {
  /** One GET /nic/update setting `name` to `ip`; resolves only on good/nochg for it. */
  update(name: string, ip: string): Promise<void>;
}

export function createDyndns2Api(config: Dyndns2Config, ctx: ProviderContext, deps: HttpDeps = {}): Dyndns2Api {
  const preset: Dyndns2Preset = config.preset ? PRESETS[config.preset] : GENERIC;
  const password = config.password;
  if (password === undefined) throw new ProviderError('fatal', 'dyndns2: password or passwordFile is required');
  const service = `dyndns2${config.preset ? ` (${config.preset})` : ''}`;
  const where = `${service} GET ${UPDATE_PATH}`;
  const client = createHttpClient({
    baseUrl: config.endpoint ?? config.server ?? preset.baseUrl,
    userAgent: ctx.userAgent,
    service,
    classify: classifyHttpAnswer(where, preset.outageBackoffMs),
    ...(config.allowInsecureHttp ? { allowInsecureHttp: true } : {}),
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
  });
  return {
    update: (name, ip) => sendUpdate(client, buildUpdateCall(preset, config.username, name, ip), password, where, preset, ctx.warn),
  };
}

export interface UpdateCall {
  /** The hostname as sent (DuckDNS: the label only). */
  hostname: string;
  /** The Basic auth username for this hostname. */
  username: string;
  /** The address sent (in myip, or the preset's ipv6Param). */
  address: string;
  searchParams: Record<string, string>;
}

/** What one update of `name` to `ip` sends, per the preset's quirks. Pure. */
export function buildUpdateCall(preset: Dyndns2Preset, configuredUsername: string | undefined, name: string, ip: string): UpdateCall {
  const hostname = preset.labelOf ? labelUnder(name, preset.labelOf) : name;
  const username = preset.usernameIsHostname ? name : (preset.fixedUsername ?? configuredUsername);
  if (username === undefined) throw new ProviderError('fatal', 'dyndns2: no username configured');
  const addressParam = preset.ipv6Param && ip.includes(':') ? preset.ipv6Param : 'myip';
  return { hostname, username, address: ip, searchParams: { hostname, [addressParam]: ip, ...preset.extraParams } };
}

/** DuckDNS updates `app` for app.duckdns.org (and for any name below it, which shares app's address). */
function labelUnder(name: string, domain: string): string {
  const suffix = `.${domain}`;
  if (!name.endsWith(suffix)) throw new ProviderError('fatal', `dyndns2: ${name} is not a ${domain} name`);
  return name.slice(0, -suffix.length).split('.').pop()!;
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * HTTP-level answers: 401 is badauth (No-IP answers it so); another 4xx whose body is a DynDNS2
 * lockout code is that code. Everything else takes http.ts's default mapping (429, 5xx, …).
 */
export function classifyHttpAnswer(where: string, outageBackoffMs?: number) {
  return (status: number, body: string): ProviderError | undefined => {
    if (status === 401) return new ProviderError('lockout', `${where}: HTTP 401: ${LOCKOUT_CODES.badauth}`, { code: 'badauth' });
    const code = parseAnswerLines(body)[0]?.code;
    // A 5xx carrying `911` is the 911 rule (stay away), not a transient error to retry at once.
    if (status >= 500 && code === '911') return errorForCode('911', `${where}: HTTP ${status}`, outageBackoffMs);
    if (status >= 400 && status < 500 && status !== 408 && status !== 429 && code && LOCKOUT_CODES[code]) {
      return new ProviderError('lockout', `${where}: HTTP ${status}: answered ${code}: ${LOCKOUT_CODES[code]}`, { code });
    }
    return undefined;
  };
}

/** One GET /nic/update. Resolves only when the answer is good/nochg for the hostname; throws a typed error otherwise. */
export async function sendUpdate(client: HttpClient, call: UpdateCall, password: string, where: string, preset: Dyndns2Preset, warn?: (message: string) => void): Promise<void> {
  const res = await client.request('GET', UPDATE_PATH, { searchParams: call.searchParams, headers: { authorization: basicAuth(call.username, password) } });
  const lines = parseAnswerLines(res.body);
  if (lines.length > 1) warn?.(`${where}: answered ${lines.length} lines for one hostname (${lines.map((l) => l.code).join(', ')}); the first is taken as the answer`);
  const error = errorForAnswer(res.body, { hostnames: [call.hostname], where, sent: call.address,
    ...(preset.outageBackoffMs !== undefined ? { outageBackoffMs: preset.outageBackoffMs } : {}),
    ...(preset.successLine ? { successLine: preset.successLine } : {}),
  });
  if (error) throw error;
}
