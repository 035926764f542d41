import type { PingConfig } from '../config/types.js';
import { redact } from '../../providers/kit/redact.js';
import { postTo } from './post.js';

export type PingKind = 'start' | 'success' | 'fail';

/** healthchecks.io-style dead-man's switch: URL/start, URL, URL/fail. Returns a warning, never throws. */
export async function sendPing(ping: PingConfig, kind: PingKind, userAgent: string, body?: string): Promise<string | null> {
  const url = kind === 'success' ? ping.url : `${ping.url}/${kind}`;
  try {
    await postTo(url, { service: 'ping', userAgent, timeoutMs: ping.timeoutMs, allowInsecureHttp: ping.allowInsecureHttp, headers: { 'content-type': 'text/plain' }, body: body ?? '', retries: 2 });
    return null;
  } catch (err) {
    return redact(`ping (${kind}) failed: ${(err as Error).message}`);
  }
}
