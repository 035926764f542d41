import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { ProviderError } from '../kit/errors.js';
import { isTruncated } from './wire.js';

export interface ServerAddress {
  host: string;
  port: number;
  family: 4 | 6;
}

/** Sends one DNS message and returns the matching answer. */
export type Exchange = (message: Buffer) => Promise<Buffer>;

/** Classic DNS limit for UDP without EDNS (RFC 1035 4.2.1). */
export const UDP_MAX = 512;

export const serverText = (s: ServerAddress): string => (s.family === 6 ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`);

/**
 * UDP first; TCP when the message does not fit in 512 bytes or the answer comes back truncated.
 * Each attempt has its own timeout, which ends in a transient error: retrying is the engine's job.
 * `observe` sees every message as it goes out (tests count requests with it).
 */
export function createExchange(server: ServerAddress, timeoutMs: number, observe?: (protocol: 'udp' | 'tcp', message: Buffer) => void): Exchange {
  const tcp = (message: Buffer) => {
    observe?.('tcp', message);
    return tcpExchange(server, message, timeoutMs);
  };
  return async (message) => {
    if (message.length > UDP_MAX) return tcp(message);
    observe?.('udp', message);
    const answer = await udpExchange(server, message, timeoutMs);
    return isTruncated(answer) ? tcp(message) : answer;
  };
}

/** An answer is ours when it is a response with our ID; anything else on the socket is ignored. */
const answers = (message: Buffer, answer: Buffer): boolean => answer.length >= 12 && answer.readUInt16BE(0) === message.readUInt16BE(0) && (answer[2]! & 0x80) !== 0;

export function udpExchange(server: ServerAddress, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(server.family === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (err: Error | null, answer?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer = setTimeout(() => finish(new ProviderError('transient', `no answer from ${serverText(server)} over UDP within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (e) => finish(new ProviderError('transient', `UDP to ${serverText(server)}: ${(e as NodeJS.ErrnoException).code ?? e.message}`, { cause: e })));
    socket.on('message', (answer, from) => {
      if (from.port !== server.port || !answers(message, answer)) return;
      finish(null, answer);
    });
    // A connected socket only receives from the server, and ICMP port-unreachable surfaces as ECONNREFUSED.
    socket.connect(server.port, server.host, () => socket.send(message));
  });
}

export function tcpExchange(server: ServerAddress, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.port, family: server.family });
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (err: Error | null, answer?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer = setTimeout(() => finish(new ProviderError('transient', `no answer from ${serverText(server)} over TCP within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (e) => finish(new ProviderError('transient', `TCP to ${serverText(server)}: ${(e as NodeJS.ErrnoException).code ?? e.message}`, { cause: e })));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length, 0);
      socket.write(Buffer.concat([length, message]));
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        const answer = received.subarray(2, 2 + received.readUInt16BE(0));
        received = received.subarray(2 + answer.length);
        if (answers(message, answer)) return finish(null, Buffer.from(answer));
      }
    });
    socket.on('end', () => finish(new ProviderError('transient', `${serverText(server)} closed the TCP connection without an answer`)));
  });
}
