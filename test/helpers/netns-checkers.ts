import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { defaultZoneText, startBind } from './bind.js';
import { BIN } from './cli.js';
import { deleteNamespace, inNamespace, ip, kill, minimalEnv, namespaceName, nftIn, prepareNetns, spawnInNamespace } from './netns.js';
import { requireTools } from './require-tool.js';

/**
 * Several checkers, each in a network namespace of its own, and one server namespace holding the
 * health targets, joined by one veth pair per checker (nothing is added to the root namespace):
 *   checker k   veth 10.201.k.1/24  route to 10.202.0.0/24 via 10.201.k.2
 *   servers     veth 10.201.k.2/24 per checker; targets on its loopback: 10.202.0.1, 10.202.0.2, …
 * Every checker sees the same server addresses (votes count only among checkers with one queue).
 * A partition is an nft drop rule in the server namespace between one checker and one server; a
 * server going down for everyone is a reset for every SYN to it. The checkers share the file system
 * (the zone file, their own state files), only their network differs.
 */
export interface CheckerCluster {
  servers: string[];
  /** The namespace of the servers, where a DNS server for the checkers can run on DNS_ADDRESS. */
  serverNamespace: string;
  port: number;
  /** `dnsfail watch …args` in checker k's namespace; `faketime` shifts its clock ("+30s", "-30s"). */
  startWatch(k: number, args: string[], env: Record<string, string>, faketime?: string): Watcher;
  /** `dnsfail …args` in checker k's namespace, to its end. */
  run(k: number, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Checker k can no longer reach `server` (SYNs dropped); returns the undo. */
  partition(k: number, server: string): () => void;
  /** `server` refuses every connection, for every checker; returns the undo. */
  down(server: string): () => void;
  teardown(): void;
}

export interface Watcher {
  /** Its JSON log, one parsed object per line so far. */
  log: Array<Record<string, unknown>>;
  stop(): void;
}

const TABLE = ['inet', 'dnsfail'] as const;
const NAME = 'app.example.test';
export const PRIMARY = '10.202.0.1';
export const BACKUP = '10.202.0.2';
/** On the server namespace's loopback, reached by every checker; partitions and outages leave it alone (they match the health port only). */
export const DNS_ADDRESS = '10.202.0.53';

/** Null when skipped (no root or no tools, outside CI). */
export async function createCheckerCluster(t: TestContext, opts: { checkers: number; servers: number }): Promise<CheckerCluster | null> {
  if (!prepareNetns(t)) return null;
  const serverNs = namespaceName('s');
  const checkerNs = Array.from({ length: opts.checkers }, () => namespaceName('c'));
  const servers = Array.from({ length: opts.servers }, (_, i) => `10.202.0.${i + 1}`);
  const port = 8080;
  const children = new Set<ChildProcess>();
  let tornDown = false;
  const spawnIn = (ns: string, argv: string[], env: Record<string, string>) => {
    const child = spawnInNamespace(ns, argv, { ...minimalEnv(), ...env });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const rule = (match: string[], verdict: string[]): (() => void) => {
    const echoed = nftIn(serverNs, '--echo', '--handle', 'add', 'rule', ...TABLE, 'input', ...match, 'tcp', 'dport', String(port), ...verdict);
    const handle = /# handle (\d+)/.exec(echoed)?.[1];
    if (!handle) throw new Error(`nft did not report a rule handle: ${echoed}`);
    return () => {
      if (!tornDown) nftIn(serverNs, 'delete', 'rule', ...TABLE, 'input', 'handle', handle);
    };
  };

  const cluster: CheckerCluster = {
    servers,
    serverNamespace: serverNs,
    port,
    startWatch(k, args, env, faketime) {
      const argv = [process.execPath, BIN, 'watch', '--log-format', 'json', ...args];
      const child = spawnIn(checkerNs[k]!, faketime ? ['faketime', '-f', faketime, ...argv] : argv, env);
      const log: Array<Record<string, unknown>> = [];
      createInterface({ input: child.stdout! }).on('line', (line) => {
        try {
          log.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          log.push({ event: 'unparsed', message: line });
        }
      });
      return { log, stop: () => kill(child) };
    },
    run(k, args, env) {
      const child = spawnIn(checkerNs[k]!, [process.execPath, BIN, ...args], env);
      return new Promise((resolve, reject) => {
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (d) => (stdout += d));
        child.stderr!.on('data', (d) => (stderr += d));
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, stdout, stderr }));
      });
    },
    partition: (k, server) => rule(['ip', 'saddr', `10.201.${k}.1`, 'ip', 'daddr', server], ['drop']),
    down: (server) => rule(['ip', 'daddr', server], ['reject', 'with', 'tcp', 'reset']),
    teardown() {
      if (tornDown) return;
      tornDown = true;
      for (const child of children) kill(child);
      for (const ns of [...checkerNs, serverNs]) deleteNamespace(ns);
    },
  };
  t.after(() => cluster.teardown());

  try {
    ip('netns', 'add', serverNs);
    ip('-n', serverNs, 'link', 'set', 'lo', 'up');
    for (const s of [...servers, DNS_ADDRESS]) ip('-n', serverNs, 'addr', 'add', `${s}/32`, 'dev', 'lo');
    checkerNs.forEach((ns, k) => {
      ip('netns', 'add', ns);
      // Created in the checker's namespace with its peer straight in the server one: never in the root namespace.
      ip('-n', ns, 'link', 'add', 'veth-c', 'type', 'veth', 'peer', 'name', `veth-s${k}`, 'netns', serverNs);
      ip('-n', ns, 'addr', 'add', `10.201.${k}.1/24`, 'dev', 'veth-c');
      ip('-n', serverNs, 'addr', 'add', `10.201.${k}.2/24`, 'dev', `veth-s${k}`);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', 'veth-c', 'up');
      ip('-n', serverNs, 'link', 'set', `veth-s${k}`, 'up');
      ip('-n', ns, 'route', 'add', '10.202.0.0/24', 'via', `10.201.${k}.2`);
    });
    nftIn(serverNs, 'add', 'table', ...TABLE);
    nftIn(serverNs, 'add', 'chain', ...TABLE, 'input', '{ type filter hook input priority 0; policy accept; }');
    const target = spawnIn(serverNs, [process.execPath, '-e', TARGETS, JSON.stringify({ servers, port })], {});
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('health targets not ready in 5s')), 5000);
      target.once('exit', (code) => reject(new Error(`health targets exited ${code}`)));
      target.stdout!.on('data', (d) => {
        if (String(d).includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (err) {
    cluster.teardown();
    throw err;
  }
  return cluster;
}

/** What the checkers share: where the record and the votes live, and every change of the published value. */
export interface SharedRecord {
  args(k: number): string[];
  env(k: number): Record<string, string>;
  /** The published value (addresses joined by commas), as last seen. */
  published(): string;
  /** Checker k's vote, its `s=` field, as last seen. */
  vote(k: number): string | undefined;
  changes: Array<{ at: number; to: string }>;
  stop(): void;
}

export interface Tunables {
  fall: number;
  rise: number;
  /** false leaves votes out (the fight without them). */
  vantage?: boolean;
}

const VOTE_RE = /^"v=dnsfail1 id=(c\d) at=\d+ q=[0-9a-f]{8} s=([UD?]+)"$/;

/**
 * The config of a cluster's checkers, provider `local`: vantage c0…c2 (quorum 2, staleAfter 30s),
 * app.example.test on the primary and the backup.
 */
function writeConfig(dir: string, cluster: CheckerCluster, provider: string, tunables: Tunables): void {
  writeFileSync(
    join(dir, 'dnsfail.yaml'),
    `providers:\n  local: ${provider}\n` +
      (tunables.vantage === false ? '' : `vantage:\n  id: \${DNSFAIL_VANTAGE}\n  peers: [c0, c1, c2]\n  quorum: 2\n  staleAfter: 30s\n`) +
      `records:\n  - name: ${NAME}\n    fall: ${tunables.fall}\n    rise: ${tunables.rise}\n    fastInterval: off\n    check: { type: tcp, port: ${cluster.port}, timeout: 400ms }\n` +
      `    servers:\n      - { address: ${PRIMARY}, label: primary }\n      - { address: ${BACKUP}, label: backup }\n`,
  );
}

/** Polls `read` every `everyMs` and records each change of the published value. */
function watchChanges(read: () => string | Promise<string>, everyMs: number) {
  const changes: Array<{ at: number; to: string }> = [];
  let last: string | undefined;
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      const now = await Promise.resolve().then(read).catch(() => last ?? '');
      if (last !== undefined && now !== last) changes.push({ at: performance.now(), to: now });
      last = now;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };
  void poll();
  return { changes, stop: () => void (stopped = true) };
}

/** The checkers share one zone file (provider zonefile) on the shared file system. */
export function checkersZone(cluster: CheckerCluster, tunables: Tunables): SharedRecord & { zone: string; text(): string } {
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-checkers-'));
  const zone = join(dir, 'example.test.zone');
  writeFileSync(zone, `$ORIGIN example.test.\n$TTL 60\n@ IN SOA ns. host. 1 3600 600 86400 60\n@ IN NS ns.\n${NAME}. 60 IN A ${PRIMARY}\n`);
  writeConfig(dir, cluster, '{ type: zonefile, file: ./example.test.zone, zone: example.test }', tunables);
  const text = () => readFileSync(zone, 'utf8');
  const published = () => [...text().matchAll(new RegExp(`^${NAME.replace(/\./g, '\\.')}\\. \\d+ IN A (\\S+)$`, 'gm'))].map((m) => m[1]!).join(',');
  const votes = () => new Map([...text().matchAll(/^c\d\._dnsfail\.\S+ \d+ IN TXT (.*)$/gm)].map((m) => VOTE_RE.exec(m[1]!)).filter((m) => m !== null).map((m) => [m[1]!, m[2]!]));
  const watch = watchChanges(published, 50);
  return { ...checkerFiles(dir), zone, text, published, vote: (k) => votes().get(`c${k}`), changes: watch.changes, stop: watch.stop };
}

/**
 * The checkers share a BIND 9 in the server namespace, written with RFC 2136 updates signed with
 * TSIG (provider rfc2136); what it serves is read with dig in that namespace every 100 ms.
 */
export async function checkersBind(t: TestContext, cluster: CheckerCluster, tunables: Tunables): Promise<SharedRecord | null> {
  if (!requireTools(t, ['named', 'dig'], 'apt-get install bind9 bind9-dnsutils')) return null;
  const secret = randomBytes(32).toString('base64');
  const bind = await startBind({
    zone: 'example.test',
    zoneText: `${defaultZoneText('example.test')}${NAME}. 60 IN A ${PRIMARY}\n`,
    dynamic: { tsigName: 'dnsfail', algorithm: 'hmac-sha256', secret },
    netns: { namespace: cluster.serverNamespace, address: DNS_ADDRESS },
  });
  t.after(() => bind.stop());
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-checkers-bind-'));
  writeConfig(dir, cluster, `{ type: rfc2136, server: "${DNS_ADDRESS}", zone: example.test, tsig: { name: dnsfail, secret: "\${TSIG_SECRET}" } }`, tunables);
  // One dig for the record and the three votes: `name. ttl IN TYPE data` per answer.
  const queries = [NAME, 'A', ...[0, 1, 2].flatMap((k) => [`c${k}._dnsfail.${NAME}`, 'TXT'])];
  let seen = { published: PRIMARY, votes: new Map<string, string>() };
  const read = async () => {
    const out = await digIn(cluster.serverNamespace, ['+noall', '+answer', '+time=1', '+tries=1', `@${DNS_ADDRESS}`, ...queries]).catch(() => undefined);
    if (out === undefined) return seen.published;
    const answers = out.split('\n').map((l) => l.split(/\s+/)).filter((f) => f.length >= 5);
    const published = answers.filter((f) => f[3] === 'A').map((f) => f[4]!).sort().join(',');
    const votes = new Map(answers.filter((f) => f[3] === 'TXT').map((f) => VOTE_RE.exec(f.slice(4).join(' '))).filter((m) => m !== null).map((m) => [m[1]!, m[2]!]));
    seen = { published, votes };
    return published;
  };
  await read();
  const watch = watchChanges(read, 100);
  const files = checkerFiles(dir);
  return {
    ...files,
    env: (k) => ({ ...files.env(k), TSIG_SECRET: secret }),
    published: () => seen.published,
    vote: (k) => seen.votes.get(`c${k}`),
    changes: watch.changes,
    stop: watch.stop,
  };
}

function checkerFiles(dir: string) {
  return {
    args: (k: number) => ['-c', join(dir, 'dnsfail.yaml'), '--state', join(dir, `c${k}.state.json`)],
    env: (k: number): Record<string, string> => ({ DNSFAIL_VANTAGE: `c${k}` }),
  };
}

function digIn(namespace: string, args: string[]): Promise<string> {
  const [cmd, ...argv] = inNamespace(namespace, ['dig', ...args]);
  return new Promise((done, fail) => execFile(cmd!, argv, { timeout: 5000 }, (err, stdout) => (err ? fail(err) : done(stdout))));
}

/** In the server namespace: a TCP listener on every server address that accepts and closes. */
const TARGETS = `
const net = require('node:net');
const { servers, port } = JSON.parse(process.argv[1]);
let pending = servers.length;
for (const host of servers) net.createServer((s) => s.end()).listen(port, host, () => { if (--pending === 0) console.log('ready'); });
`;
