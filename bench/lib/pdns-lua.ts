import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findTool } from '../../test/helpers/require-tool.js';
import { freeUdpTcpPort } from './ports.js';
import { queryA } from './dns-query.js';

/**
 * A throwaway PowerDNS Authoritative with LUA records and a 1 s LUA health-check interval, on
 * 127.0.0.1 (gsqlite3, HTTP API). Same shape as test/helpers/pdns.ts, whose config has no LUA
 * options; once that helper takes extra config lines, this file can shrink to a call to it.
 */
export interface LuaPdns {
  dnsPort: number;
  apiUrl: string;
  apiKey: string;
  /** One call of the API under /api/v1/servers/localhost; throws on a non-2xx answer. */
  api(method: string, path: string, body?: unknown): Promise<unknown>;
  log(): string;
  stop(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
const SCHEMAS = ['/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql', '/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql'];

export const PDNS_TOOLS = ['pdns_server', 'sqlite3'];

export async function startLuaPdns(opts: { luaCheckIntervalS: number }): Promise<LuaPdns> {
  const server = findTool('pdns_server');
  const sqlite = findTool('sqlite3');
  const schema = SCHEMAS.find((p) => existsSync(p));
  if (!server || !sqlite || !schema) throw new Error('skipped: needs pdns_server, sqlite3 and the gsqlite3 schema (apt-get install pdns-server pdns-backend-sqlite3 sqlite3)');

  const apiKey = `bench-${randomBytes(12).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'dnsfail-bench-pdns-'));
  const db = join(dir, 'pdns.sqlite3');
  const logFile = join(dir, 'pdns.log');
  const dnsPort = await freeUdpTcpPort(LOOPBACK);
  const apiPort = await freeUdpTcpPort(LOOPBACK);
  const apiUrl = `http://${LOOPBACK}:${apiPort}`;

  await new Promise<void>((done, fail) =>
    execFile(sqlite, [db, `.read ${schema}`], { timeout: 10_000 }, (err, _o, stderr) => (err ? fail(new Error(`sqlite3: ${stderr || err.message}`)) : done())),
  );
  await writeFile(
    join(dir, 'pdns.conf'),
    [
      'launch=gsqlite3',
      `gsqlite3-database=${db}`,
      `local-address=${LOOPBACK}`,
      `local-port=${dnsPort}`,
      'daemon=no',
      'guardian=no',
      'disable-syslog=yes',
      'loglevel=4',
      `socket-dir=${dir}`,
      'api=yes',
      `api-key=${apiKey}`,
      'webserver=yes',
      `webserver-address=${LOOPBACK}`,
      `webserver-port=${apiPort}`,
      'webserver-allow-from=127.0.0.0/8',
      'enable-lua-records=yes',
      `lua-health-checks-interval=${opts.luaCheckIntervalS}`,
      'default-soa-content=ns1.@ hostmaster.@ 0 10800 3600 604800 60',
      'zone-cache-refresh-interval=0',
      // The compiled-in default asks security-status.secpoll.powerdns.com through the system resolver.
      'security-poll-suffix=',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  const logFd = openSync(logFile, 'w');
  const child = spawn(server, [`--config-dir=${dir}`], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-30).join('\n');
    } catch {
      return '';
    }
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${apiUrl}/api/v1/servers/localhost${path}`, {
      method,
      headers: { 'x-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`PowerDNS ${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };

  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('pdns_server exited early');
      const up = await api('GET', '').then(() => queryA(LOOPBACK, dnsPort, 'version.bind', 300).then(() => true), () => false).catch(() => false);
      if (up) break;
      if (Date.now() > deadline) throw new Error('pdns_server did not answer within 15 s');
      await sleep(100);
    }
  } catch (e) {
    const tail = log();
    await stop();
    throw new Error(`${(e as Error).message}\n--- pdns_server log (tail) ---\n${tail}`);
  }
  return { dnsPort, apiUrl, apiKey, api, log, stop };
}
