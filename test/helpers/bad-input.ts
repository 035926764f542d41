import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { basename, dirname, extname, join, sep } from 'node:path';
import { BIN } from './cli.js';

/** test/fixtures/bad-configs in the repository (tests run from dist/test/…, the fixtures stay in the tree). */
export const BAD_CONFIGS = join(dirname(BIN), '..', 'test', 'fixtures', 'bad-configs');

/** One bad input: a config file and/or a command line that dnsfail must refuse with exit 2. */
export interface BadCase {
  name: string;
  /** CLI arguments before `-c FILE --state FILE` are added. */
  args: string[];
  /** Path of the config file to pass with -c (none when args already have -c). */
  config?: string;
  env: Record<string, string>;
  /** Text that names where the problem is: a config path (records[0].ttl), or a flag or value for command lines. */
  path: string;
  /** For config files: the line the message must cite as `file:LINE:`. */
  line?: number;
  /** A piece of the message. */
  message: string;
  /** Problems the one message lists (each on its own `file:line:` line). Default 1. */
  problems: number;
  /** Text that must not appear in the output (a secret). */
  absent?: string;
  /** Known bug outside this suite's reach: run as a node:test todo. */
  todo?: string;
}

/**
 * Reads the expectation header of a fixture: the leading `# key: value` comment lines.
 *   # expect-path: records[0].servers[1].address      (required)
 *   # expect-line: 14                                  (required for config files)
 *   # expect-message: IPv6 address but the record type is A
 *   # expect-problems: 2                               (default 1)
 *   # expect-absent: SENTINEL                          (must not be printed)
 *   # env: FOO=bar                                     (repeatable)
 *   # args: check --dry-run                            (default: check)
 */
export function parseHeader(text: string, file: string): BadCase {
  const fields: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    const m = /^#\s*([a-z-]+):\s?(.*)$/.exec(line);
    if (!m) break;
    fields.push([m[1]!, m[2]!.trim()]);
  }
  const get = (k: string) => fields.find(([key]) => key === k)?.[1];
  const path = get('expect-path');
  const message = get('expect-message');
  const line = get('expect-line');
  if (!path || !message || !line) throw new Error(`${file}: the header needs expect-path, expect-line and expect-message`);
  const env = Object.fromEntries(
    fields
      .filter(([k]) => k === 'env')
      .map(([, v]) => {
        const i = v.indexOf('=');
        return [v.slice(0, i), v.slice(i + 1)];
      }),
  );
  return {
    name: basename(file),
    args: splitArgs(get('args') ?? 'check'),
    config: file,
    env,
    path,
    line: Number(line),
    message,
    problems: Number(get('expect-problems') ?? 1),
    ...(get('expect-absent') ? { absent: get('expect-absent')! } : {}),
  };
}

/** "watch --schedule \"* * * * *\"" → ['watch', '--schedule', '* * * * *'] (double quotes group). */
function splitArgs(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

interface CliCaseJson {
  name: string;
  args: string[];
  config?: string | null;
  env?: Record<string, string>;
  path: string;
  line?: number;
  message: string;
  problems?: number;
  absent?: string;
  todo?: string;
}

/**
 * Copies the fixture folder to `dir`, putting the suite's listener ports in place of {{PROBE_PORT}} and
 * {{API_PORT}} (numbers cannot come through ${VAR}: an interpolated value is always a string), and
 * returns every case: the headers of *.yaml files and the entries of cli-cases.json.
 */
export function loadBadCases(dir: string, ports: { probe: number; api: number }): BadCase[] {
  cpSync(BAD_CONFIGS, dir, { recursive: true });
  const cases: BadCase[] = [];
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const file = join(dir, entry);
    if (!statSync(file).isFile() || !['.yaml', '.json'].includes(extname(entry))) continue;
    const text = readFileSync(file, 'utf8')
      .replaceAll('{{PROBE_PORT}}', String(ports.probe))
      .replaceAll('{{API_PORT}}', String(ports.api));
    writeFileSync(file, text);
    // Cases: the headers of top-level *.yaml; plain JSON has no comments, so cli-cases.json describes it.
    if (extname(entry) === '.yaml' && !entry.includes(sep)) cases.push(parseHeader(text, file));
  }
  const listed = JSON.parse(readFileSync(join(dir, 'cli-cases.json'), 'utf8')) as CliCaseJson[];
  for (const c of listed) {
    cases.push({
      name: c.name,
      args: c.args,
      ...(c.config ? { config: join(dir, c.config) } : {}),
      env: c.env ?? {},
      path: c.path,
      ...(c.line !== undefined ? { line: c.line } : {}),
      message: c.message,
      problems: c.problems ?? 1,
      ...(c.absent ? { absent: c.absent } : {}),
      ...(c.todo ? { todo: c.todo } : {}),
    });
  }
  return cases;
}

/** Files too big, too odd or too binary to keep in git; written into `dir` at test time. */
export function generatedCases(dir: string): BadCase[] {
  const base = (file: string, line: number, path: string, message: string, problems = 1): BadCase => ({
    name: `generated/${basename(file)}`,
    args: ['check'],
    config: file,
    env: {},
    path,
    line,
    message,
    problems,
  });
  const head = 'providers:\n  local: { type: zonefile, file: "${ZONE_FILE}", zone: example.test }\nrecords:\n';
  const out: BadCase[] = [];
  const write = (name: string, content: string | Buffer) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };

  const binary = Buffer.alloc(4096);
  for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919 + 13) % 256;
  out.push(base(write('binary.yaml', binary), 1, '(top level)', 'is not UTF-8 text'));
  out.push(base(write('latin1.yaml', Buffer.from(`${head}  - name: caf\xe9.example.test\n    servers: [127.0.0.2]\n`, 'latin1')), 4, 'records[0].name', 'is not UTF-8 text'));
  out.push(base(write('zero-bytes.yaml', ''), 1, '(top level)', 'the file is empty'));
  out.push(base(write('nul-byte.yaml', `${head}  - name: a\0.example.test\n    servers: [127.0.0.2]\n`), 4, 'records[0].name', 'is not UTF-8 text'));
  // A 2 MB name: refused, and not echoed back whole.
  out.push(base(write('huge-value.yaml', `${head}  - name: "${'x'.repeat(2 * 1024 * 1024)}"\n    servers: [127.0.0.2]\n`), 4, 'records[0].name', '(2097152 characters) is not a fully qualified DNS name'));
  let deep = 'records:\n';
  for (let i = 0; i < 40; i++) deep += `${'  '.repeat(i + 1)}k${i}:\n`;
  deep += `${'  '.repeat(41)}x: 1\n`;
  out.push(base(write('deep-block.yaml', deep), 34, 'records.k0.k1.k2.k3.k4.k5.k6.k7.k8', 'nested more than 32 levels deep'));
  out.push(base(write('deep-flow.json', `{"records": ${'['.repeat(5000)}${']'.repeat(5000)}}`), 1, 'records[0][0][0]', 'JSON syntax error'));
  return out;
}

export interface Counters {
  probePort: number;
  apiPort: number;
  /** TCP connections to 127.0.0.2:probePort. */
  tcp: number;
  /** UDP datagrams to 127.0.0.2:probePort (DNS: rfc2136, dyndns2 resolver). */
  udp: number;
  /** TCP connections to 127.0.0.1:apiPort, the fake provider / notify / ping endpoint (HTTP). */
  http: number;
  close(): Promise<void>;
}

/** Loopback listeners that every fixture's servers and providers point at, counting what reaches them. */
export async function startCounters(): Promise<Counters> {
  const tcp: Server = createTcpServer((s) => {
    counters.tcp++;
    s.destroy();
  });
  // 200 and "{}": a run that gets this far (the control) finishes quickly instead of retrying.
  const http = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  http.on('connection', () => counters.http++);
  const probePort = await listenOn(tcp, '127.0.0.2');
  const apiPort = await listenOn(http, '127.0.0.1');
  const udp: UdpSocket = createSocket('udp4');
  udp.on('message', () => counters.udp++);
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(probePort, '127.0.0.2', () => resolve());
  });
  const counters: Counters = {
    probePort,
    apiPort,
    tcp: 0,
    udp: 0,
    http: 0,
    close: async () => {
      http.closeAllConnections();
      await Promise.all([
        new Promise<void>((r) => tcp.close(() => r())),
        new Promise<void>((r) => http.close(() => r())),
        new Promise<void>((r) => udp.close(() => r())),
      ]);
    },
  };
  return counters;
}

function listenOn(server: Server | ReturnType<typeof createHttpServer>, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const a = server.address();
      if (a && typeof a === 'object') resolve(a.port);
      else reject(new Error('no address'));
    });
  });
}

/** Runs fn over items with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
