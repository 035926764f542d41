import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContractFault } from '../contract/provider-contract.js';
import { dig } from './dig.js';
import { findTool } from './require-tool.js';
import { freePorts, killAndReap, tailOf } from './server-process.js';
import { startServerMock, type ApiSpec, type MockRequest, type ServerMock } from './servermock.js';
import { forwardTo } from './servermock-forward.js';

/** A throwaway PowerDNS Authoritative (gsqlite3 backend) on 127.0.0.1 with the HTTP API and RFC 2136 on. */
export interface Pdns {
  dnsPort: number;
  apiPort: number;
  /** http://127.0.0.1:PORT (the API is under /api/v1/servers/localhost). */
  apiUrl: string;
  apiKey: string;
  dir: string;
  /** A Native zone with SOA and NS ns1.<zone>, created through the API. */
  createZone(zone: string): Promise<void>;
  /** POST /tsigkeys; returns the base64 secret PowerDNS generated. */
  addTsigKey(name: string, algorithm: 'hmac-sha256' | 'hmac-sha512'): Promise<string>;
  /** Zone metadata TSIG-ALLOW-DNSUPDATE (a key name) and/or ALLOW-DNSUPDATE-FROM (a netmask). */
  allowDnsUpdate(zone: string, opts: { tsigKey?: string; from?: string }): Promise<void>;
  /** Tail of pdns_server's log, for assertion messages. */
  log(): string;
  stop(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
const READY_TIMEOUT_MS = 15_000;
const SCHEMAS = ['/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql', '/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql'];

/** extraConfig: more pdns.conf lines, e.g. the bench's LUA settings. */
export async function startPdns(opts: { apiKey?: string; extraConfig?: string[] } = {}): Promise<Pdns> {
  const server = findTool('pdns_server');
  const sqlite = findTool('sqlite3');
  if (!server || !sqlite) throw new Error('pdns_server and sqlite3 are required (apt-get install pdns-server pdns-backend-sqlite3 sqlite3)');
  const schema = SCHEMAS.find((p) => existsSync(p));
  if (!schema) throw new Error(`no gsqlite3 schema found (${SCHEMAS.join(' or ')}); apt-get install pdns-backend-sqlite3`);

  const apiKey = opts.apiKey ?? `test-${randomBytes(12).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'dnsfail-pdns-'));
  const db = join(dir, 'pdns.sqlite3');
  const logFile = join(dir, 'pdns.log');
  const [dnsPort, apiPort] = (await freePorts(2)) as [number, number];
  const apiUrl = `http://${LOOPBACK}:${apiPort}`;

  await run(sqlite, [db, `.read ${schema}`]);
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
      'dnsupdate=yes',
      'allow-dnsupdate-from=127.0.0.0/8',
      'default-soa-content=ns1.@ hostmaster.@ 0 10800 3600 604800 60',
      'zone-cache-refresh-interval=0',
      // The compiled-in default asks security-status.secpoll.powerdns.com through the system resolver.
      'security-poll-suffix=',
      ...(opts.extraConfig ?? []),
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

  const log = () => tailOf(readFileOr(logFile));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    await killAndReap(child, exited);
    await rm(dir, { recursive: true, force: true });
  };

  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${apiUrl}/api/v1/servers/localhost${path}`, {
      method,
      headers: { 'x-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`PowerDNS ${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };

  try {
    await waitReady(child, apiUrl, apiKey, dnsPort);
  } catch (e) {
    const tail = log();
    await stop();
    throw new Error(`${(e as Error).message}\n--- pdns_server log (tail) ---\n${tail}`);
  }

  const fqdn = (zone: string) => `${zone.replace(/\.$/, '')}.`;
  const setMetadata = (zone: string, kind: string, metadata: string[]) =>
    api('PUT', `/zones/${fqdn(zone)}/metadata/${kind}`, { type: 'Metadata', kind, metadata });

  return {
    dnsPort,
    apiPort,
    apiUrl,
    apiKey,
    dir,
    async createZone(zone) {
      await api('POST', '/zones', { name: fqdn(zone), kind: 'Native', nameservers: [`ns1.${fqdn(zone)}`] });
    },
    async addTsigKey(name, algorithm) {
      const key = (await api('POST', '/tsigkeys', { name, algorithm })) as { key?: string };
      if (!key.key) throw new Error(`PowerDNS POST /tsigkeys returned no key for ${name}`);
      return key.key;
    },
    async allowDnsUpdate(zone, o) {
      if (o.tsigKey) await setMetadata(zone, 'TSIG-ALLOW-DNSUPDATE', [o.tsigKey]);
      if (o.from) await setMetadata(zone, 'ALLOW-DNSUPDATE-FROM', [o.from]);
    },
    log,
    stop,
  };
}

/** The PowerDNS API descriptions in test/fixtures/api-specs/powerdns (see its README): the version tested, and master. */
const SPEC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'api-specs', 'powerdns');
const specFile = (file: string): ApiSpec => ({ source: `PowerDNS ${file}`, document: JSON.parse(readFileSync(join(SPEC_DIR, file), 'utf8')) as Record<string, unknown> });
/**
 * 4.7.3 lists `changetype` as required in RRSet, which it shares between PATCH bodies and the rrsets
 * of a GET zone answer, where PowerDNS never sends it; master (0.0.20) dropped it from `required`. So
 * does this copy: otherwise every real answer is a violation. Everything else is checked as written.
 */
export const PDNS_SWAGGER_4_7_3 = specFile('authoritative-api-swagger-4.7.3-excerpt.json');
const rrset = (PDNS_SWAGGER_4_7_3.document.definitions as Record<string, { required: string[] }>).RRSet!;
rrset.required = rrset.required.filter((k) => k !== 'changetype');
export const PDNS_OPENAPI_MASTER = specFile('authoritative-api-openapi-master-excerpt.json');

/**
 * A servermock in front of a real server's API (PowerDNS here) that forwards every request to it, so
 * tests can count the requests and the mutating ones (PATCH/POST/PUT/DELETE) the code under test
 * really sent, see their headers, make the next ones fail (a 5xx or 429 answered by the proxy, or a
 * request held unanswered until the client gives up; those never reach the server), and check every
 * request and answer against the server's API description (`violations`, which tests assert empty).
 */
export interface ApiProxy {
  /** http://127.0.0.1:PORT: use it instead of the server's URL. */
  url: string;
  /** Every request received, in order (faulted ones too); `url` is the path and query as received. */
  seen: MockRequest[];
  requests(): number;
  /** Mutating requests forwarded to the server. */
  mutations(): number;
  injectFault(fault: ContractFault): void;
  /** Where a request or an answer broke a spec. */
  violations(): string[];
  /** Request checks made, summed over the specs. */
  validated(): number;
  close(): Promise<void>;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Checked against 4.7.3 (the version tested) by the proxy itself, and against master by a second servermock behind it. */
export async function startApiProxy(targetUrl: string, specs: ApiSpec[] = [PDNS_SWAGGER_4_7_3, PDNS_OPENAPI_MASTER]): Promise<ApiProxy> {
  const [outer, ...inner] = specs;
  const checkers: ServerMock[] = [];
  let upstream = targetUrl;
  for (const spec of inner.reverse()) {
    const checker = await startServerMock({ basePath: '/api/v1', spec, routes: { '*': forwardTo(upstream) } });
    checkers.unshift(checker);
    upstream = `http://${LOOPBACK}:${checker.port}`;
  }
  const forward = forwardTo(upstream);
  let forwardedMutations = 0;
  const mock = await startServerMock({
    basePath: '/api/v1',
    ...(outer ? { spec: outer } : {}),
    routes: {
      '*': (req) => {
        if (MUTATING.has(req.method)) forwardedMutations++;
        return forward(req);
      },
    },
    faultReply: (f) =>
      f.kind === 'rate-limit'
        ? { status: 429, headers: { 'content-type': 'text/plain', 'retry-after': String(f.retryAfterS ?? 1) }, body: 'Too Many Requests' }
        : { status: f.status ?? 503, body: { error: 'injected by the test proxy' } },
  });
  const all = [mock, ...checkers];
  return {
    url: `http://${LOOPBACK}:${mock.port}`,
    seen: mock.requests,
    requests: () => mock.requests.length,
    mutations: () => forwardedMutations,
    injectFault: (f) => mock.injectFault(f),
    violations: () => all.flatMap((m) => m.violations),
    validated: () => all.reduce((n, m) => n + m.validated, 0),
    close: async () => {
      for (const m of all) await m.close();
    },
  };
}

async function waitReady(child: ChildProcess, apiUrl: string, apiKey: string, dnsPort: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`pdns_server exited early (${child.exitCode ?? child.signalCode})`);
    const apiUp = await fetch(`${apiUrl}/api/v1/servers/localhost`, { headers: { 'x-api-key': apiKey }, signal: AbortSignal.timeout(1000) })
      .then((r) => r.ok)
      .catch(() => false);
    // Any reply (even an empty answer) means the DNS listener is up; dig throws only on no reply.
    const dnsUp = apiUp && (await dig(LOOPBACK, dnsPort, 'version.bind', 'TXT').then(() => true, () => false));
    if (dnsUp) return;
    await sleep(100);
  }
  throw new Error(`pdns_server did not answer (API ${apiUrl}, DNS ${LOOPBACK}:${dnsPort}) within ${READY_TIMEOUT_MS / 1000} s`);
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`${cmd} ${args.join(' ')} failed: ${(stdout + stderr).trim() || err.message}`));
      else done();
    });
  });
}

function readFileOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
