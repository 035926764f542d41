import type { PingConfig } from '../config/types.js';
import { redact } from '../../providers/kit/redact.js';

export type PingKind = 'start' | 'success' | 'fail';

/** healthchecks.io-style dead-man's switch: URL/start, URL, URL/fail. Returns a warning, never throws. */
export async function sendPing(ping: PingConfig, kind: PingKind, userAgent: string, body?: string): Promise<string | null> {
  const url = kind === 'success' ? ping.url : `${ping.url}/${kind}`;
  try {
    const { default: got } = await import('got'); // loaded only when there is something to send
    await got.post(url, {
      body: body ?? '',
      headers: { 'user-agent': userAgent, 'content-type': 'text/plain' },
      timeout: { request: ping.timeoutMs },
      retry: { limit: 2, methods: ['POST'] },
      followRedirect: false,
    });
    return null;
  } catch (err) {
    const status = (err as { response?: { statusCode?: number } }).response?.statusCode;
    return redact(`ping (${kind}) failed: ${status ? `HTTP ${status}` : ((err as { code?: string }).code ?? 'request failed')}`);
  }
}
