import { isIP } from 'node:net';
import { probeCommand } from './command.js';
import { probeHttp } from './http.js';
import { probeTcp } from './tcp.js';
import type { ProbeResult, ProbeTarget } from './types.js';

/** Probes one target by its check type. Never throws: anything unexpected becomes an unhealthy result. */
export async function probe(target: ProbeTarget, signal?: AbortSignal): Promise<ProbeResult> {
  const start = performance.now();
  try {
    const result = await dispatch(target, signal);
    return { ...result, latencyMs: performance.now() - start };
  } catch (err) {
    return { healthy: false, latencyMs: performance.now() - start, error: err instanceof Error ? err.message : String(err) };
  }
}

function dispatch({ address, check, recordName }: ProbeTarget, signal?: AbortSignal): Promise<ProbeResult> {
  switch (check.type) {
    case 'tcp':
    case 'http':
    case 'https':
      // An IP literal never reaches the resolver; a name here would be a config bug, not a DNS lookup.
      if (isIP(address) === 0) return Promise.resolve({ healthy: false, latencyMs: 0, error: `not an IP address: ${address}` });
      return check.type === 'tcp' ? probeTcp(address, check, signal) : probeHttp(address, check, signal);
    case 'command':
      return probeCommand(address, check, recordName, signal);
  }
}
