import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { BIN } from './cli.js';
import { deleteNamespace, ip, kill, minimalEnv, namespaceName, nftIn, prepareNetns, spawnInNamespace } from './netns.js';

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
    for (const s of servers) ip('-n', serverNs, 'addr', 'add', `${s}/32`, 'dev', 'lo');
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

/**
 * The shared config and zone file of a cluster's checkers: vantage c0…c2 (quorum 2, staleAfter 30s),
 * app.example.test on the primary and the backup; `vantage: false` leaves votes out (the fight
 * without them). Watches the zone file for every change of the published value.
 */
export function checkersZone(cluster: CheckerCluster, tunables: { fall: number; rise: number; vantage?: boolean }) {
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-checkers-'));
  const zone = join(dir, 'example.test.zone');
  writeFileSync(zone, `$ORIGIN example.test.\n$TTL 60\n@ IN SOA ns. host. 1 3600 600 86400 60\n@ IN NS ns.\n${NAME}. 60 IN A ${PRIMARY}\n`);
  writeFileSync(
    join(dir, 'dnsfail.yaml'),
    `providers:\n  local: { type: zonefile, file: ./example.test.zone, zone: example.test }\n` +
      (tunables.vantage === false ? '' : `vantage:\n  id: \${DNSFAIL_VANTAGE}\n  peers: [c0, c1, c2]\n  quorum: 2\n  staleAfter: 30s\n`) +
      `records:\n  - name: ${NAME}\n    fall: ${tunables.fall}\n    rise: ${tunables.rise}\n    fastInterval: off\n    check: { type: tcp, port: ${cluster.port}, timeout: 400ms }\n` +
      `    servers:\n      - { address: ${PRIMARY}, label: primary }\n      - { address: ${BACKUP}, label: backup }\n`,
  );
  const args = (k: number) => ['-c', join(dir, 'dnsfail.yaml'), '--state', join(dir, `c${k}.state.json`)];
  const env = (k: number) => ({ DNSFAIL_VANTAGE: `c${k}` });
  const text = () => readFileSync(zone, 'utf8');
  const published = () => [...text().matchAll(new RegExp(`^${NAME.replace(/\./g, '\\.')}\\. \\d+ IN A (\\S+)$`, 'gm'))].map((m) => m[1]!).join(',');
  const vote = (k: number) => new RegExp(`^c${k}\\._dnsfail\\.${NAME.replace(/\./g, '\\.')}\\. \\d+ IN TXT "v=dnsfail1 id=c${k} at=\\d+ q=[0-9a-f]{8} s=([UD?]+)"$`, 'm').exec(text())?.[1];
  // Every change of the published value, as the zone file shows it (polled every 50 ms).
  const changes: Array<{ at: number; to: string }> = [];
  let last = published();
  const poll = setInterval(() => {
    const now = published();
    if (now !== last) changes.push({ at: performance.now(), to: now });
    last = now;
  }, 50);
  return { dir, zone, args, env, text, published, vote, changes, stop: () => clearInterval(poll) };
}

/** In the server namespace: a TCP listener on every server address that accepts and closes. */
const TARGETS = `
const net = require('node:net');
const { servers, port } = JSON.parse(process.argv[1]);
let pending = servers.length;
for (const host of servers) net.createServer((s) => s.end()).listen(port, host, () => { if (--pending === 0) console.log('ready'); });
`;
