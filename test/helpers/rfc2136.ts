import rfc2136Provider, { createRfc2136Provider } from '../../providers/rfc2136/index.js';
import { parseServer } from '../../providers/rfc2136/parse.js';
import { createExchange } from '../../providers/rfc2136/transport.js';
import { OPCODE } from '../../providers/rfc2136/wire.js';
import type { Provider } from '../../providers/kit/types.js';
import type { ContractHarness } from '../contract/provider-contract.js';
import { digRrset } from './dig.js';

/**
 * rfc2136 providers whose DNS messages are counted as they leave the transport: `sent` holds every
 * UDP and TCP message and the UPDATEs among them (the contract's requests and mutations).
 */
export interface Rfc2136Server<S> {
  start(): Promise<S>;
  stop(server: S): Promise<void>;
  dnsPort(server: S): number;
  /** The provider settings with the server's key, or with a key it rejects. */
  settings(server: S, rejectedKey?: boolean): unknown;
}

export function countingRfc2136(timeoutMs = 1000): {
  sent: { udp: number; tcp: number; updates: number };
  provider(settings: unknown): Provider;
  /** The shared provider contract's harness for a real server, read back with dig. */
  harness<S>(zone: string, server: Rfc2136Server<S>): ContractHarness;
} {
  const sent = { udp: 0, tcp: 0, updates: 0 };
  const observe = (protocol: 'udp' | 'tcp', message: Buffer) => {
    sent[protocol]++;
    if (((message[2]! >> 3) & 0xf) === OPCODE.UPDATE) sent.updates++;
  };
  const provider = (settings: unknown): Provider => {
    const config = rfc2136Provider.configSchema.parse(settings);
    return createRfc2136Provider(config, { userAgent: 'dnsfail-test', baseDir: '/' }, { exchange: createExchange(parseServer(config.server)!, timeoutMs, observe) });
  };
  const harness = <S>(zone: string, server: Rfc2136Server<S>): ContractHarness => {
    let s: S | undefined;
    return {
      kind: 'rfc2136',
      capabilities: rfc2136Provider.capabilities,
      zone,
      start: async () => void (s = await server.start()),
      stop: async () => {
        if (s !== undefined) await server.stop(s);
      },
      provider: () => provider(server.settings(s!)),
      badAuthProvider: () => provider(server.settings(s!, true)),
      settings: () => server.settings(s!),
      lookup: (name, type) => digRrset(server.dnsPort(s!), name, type),
      mutations: () => sent.updates,
      requests: () => sent.udp + sent.tcp,
    };
  };
  return { sent, provider, harness };
}
