import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dig } from './dig.js';
import { inNamespace } from './netns.js';
import { findTool } from './require-tool.js';
import { freePorts, killAndReap, tailOf } from './server-process.js';

export interface BindOptions {
  zone: string;
  /** Default: SOA, NS ns1.<zone> with glue 127.0.0.1, and api A 192.0.2.1. */
  zoneText?: string;
  /** Make the zone dynamic: RFC 2136 updates allowed with this TSIG key. */
  dynamic?: { tsigName: string; algorithm: string; secret: string };
  /** More TSIG keys BIND knows but does not let update (a read-only key). */
  otherKeys?: Array<{ name: string; algorithm: string; secret: string }>;
  /** Run named inside this network namespace, listening on `address` port 53 and answering anyone there. */
  netns?: { namespace: string; address: string };
}

export interface Bind {
  /** The address named listens on: 127.0.0.1, or the namespace's. */
  address: string;
  port: number;
  dir: string;
  zoneFile: string;
  /** rndc config (key, server 127.0.0.1, port): `rndc -c <rndcConf> reload <zone>`. */
  rndcConf: string;
  rndc(args: string[]): Promise<string>;
  /** Tail of named's log, for assertion messages. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
const READY_TIMEOUT_MS = 10_000;

export const defaultZoneText = (zone: string) => `$ORIGIN ${zone}.
$TTL 60
@        IN SOA ns1.${zone}. hostmaster.${zone}. ( 1 3600 600 86400 60 )
         IN NS  ns1.${zone}.
ns1      IN A   127.0.0.1
api      IN A   192.0.2.1
`;

/** A throwaway BIND 9 on 127.0.0.1 (or in a network namespace) serving one primary zone, with rndc on its own port. */
export async function startBind(opts: BindOptions): Promise<Bind> {
  const named = findTool('named');
  const rndcBin = findTool('rndc');
  if (!named || !rndcBin) throw new Error('named and rndc are required (apt-get install bind9 bind9-utils)');
  const zone = opts.zone.replace(/\.$/, '');
  const dir = await mkdtemp(join(tmpdir(), 'dnsfail-bind-'));
  const address = opts.netns?.address ?? LOOPBACK;
  const inNs = (argv: string[]) => (opts.netns ? inNamespace(opts.netns.namespace, argv) : argv);
  // A namespace of the test's own has every port free.
  const [port, rndcPort] = opts.netns ? [53, 953] : ((await freePorts(2)) as [number, number]);
  const zoneFile = join(dir, `${zone}.zone`);
  const rndcConf = join(dir, 'rndc.conf');
  const logFile = join(dir, 'named.log');
  const rndcSecret = randomBytes(32).toString('base64');
  const tsig = opts.dynamic;

  await writeFile(zoneFile, opts.zoneText ?? defaultZoneText(zone));
  const keys =
    `key "rndc-key" { algorithm hmac-sha256; secret "${rndcSecret}"; };\n` +
    (tsig ? `key "${tsig.tsigName}" { algorithm ${tsig.algorithm}; secret "${tsig.secret}"; };\n` : '') +
    (opts.otherKeys ?? []).map((k) => `key "${k.name}" { algorithm ${k.algorithm}; secret "${k.secret}"; };\n`).join('');
  await writeFile(join(dir, 'keys.conf'), keys, { mode: 0o600 });
  await writeFile(
    join(dir, 'named.conf'),
    `include "${dir}/keys.conf";
options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { ${address}; };
  listen-on-v6 { none; };
  recursion no;
  notify no;
  dnssec-validation no;
  allow-query { ${opts.netns ? 'any' : '127.0.0.0/8'}; };
  allow-transfer { ${opts.netns ? 'any' : '127.0.0.0/8'}; };
};
controls { inet ${address} port ${rndcPort} allow { ${address}; } keys { "rndc-key"; }; };
zone "${zone}" {
  type primary;
  file "${zoneFile}";
${tsig ? `  allow-update { key "${tsig.tsigName}"; };\n` : ''}};
`,
  );
  await writeFile(
    rndcConf,
    `include "${dir}/keys.conf";
options { default-key "rndc-key"; default-server ${address}; default-port ${rndcPort}; };
`,
    { mode: 0o600 },
  );

  const logFd = openSync(logFile, 'w');
  const [cmd, ...args] = inNs([named, '-g', '-4', '-c', join(dir, 'named.conf')]);
  const child = spawn(cmd!, args, { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const log = async () => tailOf(await readFile(logFile, 'utf8').catch(() => ''));
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await killAndReap(child, exited);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitForSoa(child, address, port, zone, opts.netns?.namespace);
  } catch (e) {
    const tail = await log();
    await stop();
    throw new Error(`${(e as Error).message}\n--- named log (tail) ---\n${tail}`);
  }

  const rndc = (args: string[]) =>
    new Promise<string>((done, fail) => {
      const [cmd, ...argv] = inNs([rndcBin, '-c', rndcConf, ...args]);
      execFile(cmd!, argv, { timeout: 10_000 }, (err, stdout, stderr) => {
        if (err) fail(new Error(`rndc ${args.join(' ')} failed: ${(stdout + stderr).trim() || err.message}`));
        else done(stdout);
      });
    });

  return { address, port, dir, zoneFile, rndcConf, rndc, log, stop };
}

async function waitForSoa(child: ChildProcess, address: string, port: number, zone: string, namespace?: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`named exited early (${child.exitCode ?? child.signalCode})`);
    const answers = await dig(address, port, zone, 'SOA', namespace).catch(() => []);
    if (answers.length > 0) return;
    await sleep(100);
  }
  throw new Error(`named did not answer SOA for ${zone} on ${address}:${port} within ${READY_TIMEOUT_MS / 1000} s`);
}
