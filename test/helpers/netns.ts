import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { BIN, type CliResult } from './cli.js';
import { requireRoot, requireTools } from './require-tool.js';

/**
 * Two private network namespaces joined by a veth pair, created inside them (nothing is added to the
 * root namespace, so no packet for 10.200/16 can leave the machine). Modelled on
 * /work/shared/recipes/netns-blackhole.sh:
 *   dnsfail-c-<pid>-<n>  veth-c  10.200.<n>.1/24   the client: run dnsfail here
 *   dnsfail-s-<pid>-<n>  veth-s  10.200.<n>.2/24   the servers: more addresses with addServerAddress()
 * Faults are nft rules in the server namespace: DROP (a black hole: SYNs vanish, connect times out)
 * or REJECT with tcp reset (refused at once).
 */
export interface NetnsPair {
  client: string;
  server: string;
  clientAddress: string;
  /** Addresses on the server side, the first one given at creation. */
  serverAddresses: string[];
  /** Adds the next 10.200.<n>.k to the server veth and returns it. */
  addServerAddress(): string;
  /** Starts an HTTP server in the server namespace answering 200 `body` on every address:port given. */
  startHttpServer(opts: { addresses: string[]; port: number; body?: string }): Promise<NetnsHttpServer>;
  /** Drops every TCP packet to address:port (address omitted: any). Returns a function removing the rule. */
  blackhole(port: number, address?: string): () => void;
  /** Answers every TCP SYN to address:port with a reset. Returns a function removing the rule. */
  rejectWithReset(port: number, address?: string): () => void;
  /** Runs argv in the client namespace, killed after timeoutMs. */
  execInClient(argv: string[], opts?: { env?: Record<string, string>; timeoutMs?: number }): Promise<CliResult>;
  /** `node bin/dnsfail.js …args` in the client namespace, with runCli's clean environment. */
  runCliInClient(args: string[], opts?: { env?: Record<string, string>; timeoutMs?: number }): Promise<CliResult>;
  /** Kills what runs in the namespaces and deletes them. Safe to call twice. */
  teardown(): void;
}

export interface NetnsHttpServer {
  /** Requests received, as "address path". */
  hits: string[];
  stop(): void;
}

const PREFIX = 'dnsfail-';
const NAME_RE = /^dnsfail-[cs]-(\d+)-\d+$/;
const TABLE = ['inet', 'dnsfail'] as const;
let pairsMade = 0;
let ipPath = 'ip';
let nftPath = 'nft';
const live = new Set<NetnsPair>();
process.once('exit', () => {
  for (const pair of live) pair.teardown();
});

/**
 * Checks root and the tools (skip locally, fail under CI=true), removes leftovers of crashed runs,
 * and creates a pair whose teardown is registered on `t`. Null when skipped.
 */
export function createNetnsPair(t: TestContext): NetnsPair | null {
  if (!prepareNetns(t)) return null;
  let pair: NetnsPair;
  try {
    pair = makePair();
  } catch (err) {
    // Root without CAP_NET_ADMIN (an unprivileged container): the same skip/fail rule as a missing tool.
    const why = `cannot create network namespaces: ${(err as Error).message.trim().split('\n').pop()}`;
    if (process.env.CI === 'true') throw new Error(`CI requires ${why}`);
    t.skip(why);
    return null;
  }
  t.after(() => pair.teardown());
  return pair;
}

/** Root and the tools (skip locally, fail under CI=true), and the leftovers of crashed runs removed; false when skipped. */
export function prepareNetns(t: TestContext): boolean {
  if (!requireRoot(t, 'network namespaces (ip netns add) and nft rules')) return false;
  const tools = requireTools(t, ['ip', 'nft'], 'apt-get install iproute2 nftables');
  if (!tools) return false;
  // Absolute paths: /usr/sbin is often not on a test runner's PATH.
  ipPath = tools.ip!;
  nftPath = tools.nft!;
  removeLeftovers();
  return true;
}

/** A fresh namespace name that the leftover sweep recognises as this process's. */
export const namespaceName = (role: 'c' | 's'): string => `${PREFIX}${role}-${process.pid}-${pairsMade++}`;

/** The command line that runs argv inside a namespace. */
export const inNamespace = (ns: string, argv: string[]): string[] => [ipPath, 'netns', 'exec', ns, ...argv];

/** argv run inside a namespace (stdout and stderr piped). */
export function spawnInNamespace(ns: string, argv: string[], env: Record<string, string>): ChildProcess {
  const [cmd, ...args] = inNamespace(ns, argv);
  return spawn(cmd!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `nft` inside a namespace. */
export function nftIn(ns: string, ...args: string[]): string {
  return ip('netns', 'exec', ns, nftPath, ...args);
}

function makePair(): NetnsPair {
  const n = pairsMade++;
  const suffix = `${process.pid}-${n}`;
  const client = `${PREFIX}c-${suffix}`;
  const server = `${PREFIX}s-${suffix}`;
  const subnet = `10.200.${(process.pid + n) % 250}`;
  const children = new Set<ChildProcess>();
  let nextHost = 3;
  let tornDown = false;

  const nft = (...args: string[]): string => ip('netns', 'exec', server, nftPath, ...args);
  const addRule = (port: number, address: string | undefined, verdict: string[]): (() => void) => {
    const match = [...(address ? ['ip', 'daddr', address] : []), 'tcp', 'dport', String(port)];
    const echoed = nft('--echo', '--handle', 'add', 'rule', ...TABLE, 'input', ...match, ...verdict);
    const handle = /# handle (\d+)/.exec(echoed)?.[1];
    if (!handle) throw new Error(`nft did not report a rule handle: ${echoed}`);
    return () => {
      if (!tornDown) nft('delete', 'rule', ...TABLE, 'input', 'handle', handle);
    };
  };
  const spawnIn = (ns: string, argv: string[], env: Record<string, string>): ChildProcess => {
    const child = spawnInNamespace(ns, argv, env);
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };

  const pair: NetnsPair = {
    client,
    server,
    clientAddress: `${subnet}.1`,
    serverAddresses: [`${subnet}.2`],
    addServerAddress() {
      const address = `${subnet}.${nextHost++}`;
      ip('-n', server, 'addr', 'add', `${address}/24`, 'dev', 'veth-s');
      pair.serverAddresses.push(address);
      return address;
    },
    async startHttpServer({ addresses, port, body = 'ok' }) {
      const child = spawnIn(server, [process.execPath, '--input-type=module', '-e', HTTP_SERVER_SCRIPT, JSON.stringify({ addresses, port, body })], minimalEnv());
      const hits: string[] = [];
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server in ${server} not ready in 5s: ${stderr}`)), 5000);
        child.once('exit', (code) => reject(new Error(`server in ${server} exited ${code}: ${stderr}`)));
        createInterface({ input: child.stdout! }).on('line', (line) => {
          if (line === 'ready') {
            clearTimeout(timer);
            resolve();
          } else if (line.startsWith('hit ')) hits.push(line.slice(4));
        });
      });
      return { hits, stop: () => kill(child) };
    },
    blackhole: (port, address) => addRule(port, address, ['drop']),
    rejectWithReset: (port, address) => addRule(port, address, ['reject', 'with', 'tcp', 'reset']),
    execInClient(argv, opts = {}) {
      const started = performance.now();
      const child = spawnIn(client, argv, { ...minimalEnv(), ...opts.env });
      return new Promise((resolve, reject) => {
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (d) => (stdout += d));
        child.stderr!.on('data', (d) => (stderr += d));
        const timer = setTimeout(() => kill(child), opts.timeoutMs ?? 30_000);
        child.once('error', reject);
        child.once('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr, ms: performance.now() - started });
        });
      });
    },
    runCliInClient: (args, opts) => pair.execInClient([process.execPath, BIN, ...args], opts),
    teardown() {
      if (tornDown) return;
      tornDown = true;
      live.delete(pair);
      for (const child of children) kill(child);
      for (const ns of [client, server]) deleteNamespace(ns);
    },
  };
  live.add(pair);

  try {
    ip('netns', 'add', client);
    ip('netns', 'add', server);
    // Created in the client namespace with its peer straight in the server one: never in the root namespace.
    ip('-n', client, 'link', 'add', 'veth-c', 'type', 'veth', 'peer', 'name', 'veth-s', 'netns', server);
    ip('-n', client, 'addr', 'add', `${pair.clientAddress}/24`, 'dev', 'veth-c');
    ip('-n', server, 'addr', 'add', `${pair.serverAddresses[0]}/24`, 'dev', 'veth-s');
    for (const [ns, dev] of [[client, 'veth-c'], [server, 'veth-s']] as const) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
    nft('add', 'table', ...TABLE);
    nft('add', 'chain', ...TABLE, 'input', '{ type filter hook input priority 0; policy accept; }');
  } catch (err) {
    pair.teardown();
    throw err;
  }
  return pair;
}

/** Namespaces with our prefix whose creating process is gone (a crashed or killed earlier run). */
function removeLeftovers(): void {
  const names = ip('netns', 'list')
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '');
  for (const name of names) {
    const pid = NAME_RE.exec(name)?.[1];
    if (pid !== undefined && !isAlive(Number(pid))) deleteNamespace(name);
  }
}

/** Kills the processes still inside (by pid), then deletes the namespace and with it its veth end. */
export function deleteNamespace(name: string): void {
  try {
    for (const pid of ip('netns', 'pids', name).split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  } catch {
    /* the namespace is already gone */
  }
  try {
    ip('netns', 'del', name);
  } catch {
    /* already gone */
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function kill(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export function ip(...args: string[]): string {
  return execFileSync(ipPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
}

export function minimalEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env.HOME ?? '/root' };
}

/** Runs in the server namespace: one HTTP listener per address, "hit <address> <path>" per request. */
const HTTP_SERVER_SCRIPT = `
import http from 'node:http';
const { addresses, port, body } = JSON.parse(process.argv[1]);
let pending = addresses.length;
for (const address of addresses) {
  http.createServer((req, res) => {
    process.stdout.write('hit ' + address + ' ' + req.url + '\\n');
    res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  }).listen(port, address, () => { if (--pending === 0) process.stdout.write('ready\\n'); });
}
`;
