import { connect } from 'node:net';
import type { ProbeResult, TcpCheck } from './types.js';

/** Healthy when a TCP connection to address:port opens within the timeout. */
export function probeTcp(address: string, check: TcpCheck, signal?: AbortSignal): Promise<ProbeResult> {
  const start = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const socket = connect({ host: address, port: check.port });
    const finish = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      const latencyMs = performance.now() - start;
      resolve(error === undefined ? { healthy: true, latencyMs } : { healthy: false, latencyMs, error });
    };
    const timer = setTimeout(() => finish(`timeout after ${check.timeoutMs}ms`), check.timeoutMs);
    const onAbort = (): void => finish('aborted');
    if (signal?.aborted) return finish('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish());
    socket.once('error', (err) => finish(`connect ${errorCode(err)}`));
  });
}

/** "ECONNREFUSED" for system errors, the message otherwise. */
export function errorCode(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return typeof code === 'string' ? code : err.message;
  }
  return String(err);
}
