import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, openSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { dig } from './dig.js';

/** Shared by the helpers that start real DNS servers (BIND, PowerDNS, Knot, NSD) for the tests. */

const LOOPBACK = '127.0.0.1';
const READY_TIMEOUT_MS = 10_000;

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

export interface Daemon {
  /** Tail of the daemon's log, for assertion messages. */
  log(): Promise<string>;
  /** Stops the daemon and removes `dir`. */
  stop(): Promise<void>;
}

/**
 * Starts a DNS server in the foreground (its output to `logFile`), killed with the test process, and
 * waits until it answers SOA for `zone` on 127.0.0.1:`port`. On failure it is stopped, `dir` removed,
 * and the error carries the log's tail.
 */
export async function startDaemon(opts: { what: string; argv: string[]; logFile: string; dir: string; port: number; zone: string }): Promise<Daemon> {
  const [cmd, ...args] = opts.argv as [string, ...string[]];
  const logFd = openSync(opts.logFile, 'w');
  const child = spawn(cmd, args, { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const log = async () => tailOf(await readFile(opts.logFile, 'utf8').catch(() => ''));
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await killAndReap(child, exited);
    await rm(opts.dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${opts.what} exited early (${child.exitCode ?? child.signalCode})`);
      if ((await dig(LOOPBACK, opts.port, opts.zone, 'SOA').catch(() => [])).length > 0) break;
      if (Date.now() > deadline) throw new Error(`${opts.what} did not answer SOA for ${opts.zone} on ${LOOPBACK}:${opts.port} within ${READY_TIMEOUT_MS / 1000} s`);
      await sleep(50);
    }
  } catch (e) {
    const tail = await log();
    await stop();
    throw new Error(`${(e as Error).message}\n--- ${opts.what} log (tail) ---\n${tail}`);
  }
  return { log, stop };
}

/** Runs a control tool (knotc, nsd-control …); rejects with its output when it fails. */
export function runTool(cmd: string, args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`${cmd} ${args.join(' ')} failed: ${(stdout + stderr).trim() || err.message}`));
      else done(stdout);
    });
  });
}
