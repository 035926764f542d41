import { ipFamily } from '../../providers/kit/ip.js';
import { probeTcp } from './tcp.js';
import type { CheckSpec, ProbeResult, ProbeTarget } from './types.js';

type Prober = (target: ProbeTarget, signal?: AbortSignal) => Promise<ProbeResult>;

/**
 * http(s) and command checks need node:http, node:tls and node:child_process; a cron run of tcp
 * checks does without them. The module is loaded before the clock starts, so it never counts
 * against a probe's latency or timeout.
 */
const probers = new Map<CheckSpec['type'], Promise<Prober>>();

function proberFor(type: CheckSpec['type']): Promise<Prober> {
  let p = probers.get(type);
  if (!p) probers.set(type, (p = loadProber(type)));
  return p;
}

async function loadProber(type: CheckSpec['type']): Promise<Prober> {
  switch (type) {
    case 'tcp':
      return ({ address, check }, signal) => ipOnly(address, () => probeTcp(address, check as Extract<CheckSpec, { type: 'tcp' }>, signal));
    case 'http':
    case 'https': {
      const { probeHttp } = await import('./http.js');
      return ({ address, check }, signal) => ipOnly(address, () => probeHttp(address, check as Extract<CheckSpec, { type: 'http' | 'https' }>, signal));
    }
    case 'command': {
      const { probeCommand } = await import('./command.js');
      return ({ address, check, recordName }, signal) => probeCommand(address, check as Extract<CheckSpec, { type: 'command' }>, recordName, signal);
    }
  }
}

/** An IP literal never reaches the resolver; a name here would be a config bug, not a DNS lookup. */
function ipOnly(address: string, run: () => Promise<ProbeResult>): Promise<ProbeResult> {
  return ipFamily(address) === null ? Promise.resolve({ healthy: false, latencyMs: 0, error: `not an IP address: ${address}` }) : run();
}

/** Probes one target by its check type. Never throws: anything unexpected becomes an unhealthy result. */
export async function probe(target: ProbeTarget, signal?: AbortSignal): Promise<ProbeResult> {
  let start = performance.now();
  try {
    const run = await proberFor(target.check.type);
    start = performance.now();
    const result = await run(target, signal);
    return { ...result, latencyMs: performance.now() - start };
  } catch (err) {
    return { healthy: false, latencyMs: performance.now() - start, error: err instanceof Error ? err.message : String(err) };
  }
}
