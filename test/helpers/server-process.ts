import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** Shared by the helpers that start real DNS servers (BIND, PowerDNS) for the tests. */

const LOOPBACK = '127.0.0.1';

/** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited (no zombie left). */
export async function killAndReap(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export function tailOf(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Ports free for both TCP and UDP on 127.0.0.1 right now (the OS picks them). */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await new Promise<number>((done, fail) => {
      const srv = createServer();
      srv.once('error', fail);
      srv.listen(0, LOOPBACK, () => {
        const addr = srv.address();
        srv.close(() => done(typeof addr === 'object' && addr ? addr.port : 0));
      });
    });
    if (port && !ports.includes(port) && (await udpFree(port))) ports.push(port);
  }
  return ports;
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const sock = createSocket('udp4');
    sock.once('error', () => done(false));
    sock.bind(port, LOOPBACK, () => sock.close(() => done(true)));
  });
}
