import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultZoneText } from './bind.js';
import { findTool } from './require-tool.js';
import { freePorts, runTool, startDaemon } from './server-process.js';

export const KNOT_TOOLS = ['knotd', 'knotc', 'dig'];
export const KNOT_INSTALL = 'apt-get install knot knot-dnsutils bind9-dnsutils';

export interface KnotKey {
  name: string;
  algorithm: 'hmac-sha256' | 'hmac-sha512';
  secret: string;
  /** What the zone's acl allows this key; [] puts the key in no acl at all (Knot then answers BADKEY). */
  actions: Array<'update' | 'transfer'>;
}

export interface KnotOptions {
  zone: string;
  /** Default: SOA, NS ns1.<zone> with glue 127.0.0.1, and api A 192.0.2.1 (as for BIND). */
  zoneText?: string;
  keys?: KnotKey[];
}

export interface Knot {
  port: number;
  dir: string;
  /** The zone file Knot loads (it never writes it back: zonefile-sync -1). */
  zoneFile: string;
  /** knot.conf: `knotc -c <conf> …` reaches this server. */
  conf: string;
  knotc(args: string[]): Promise<string>;
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** A throwaway Knot DNS 3 on 127.0.0.1 serving one zone from a file, RFC 2136 updates per key acl. */
export async function startKnot(opts: KnotOptions): Promise<Knot> {
  const knotd = findTool('knotd');
  const knotc = findTool('knotc');
  if (!knotd || !knotc) throw new Error(`knotd and knotc are required (${KNOT_INSTALL})`);
  const zone = opts.zone.replace(/\.$/, '');
  const dir = await mkdtemp(join(tmpdir(), 'dnsfail-knot-'));
  const [port] = (await freePorts(1)) as [number];
  const zoneFile = join(dir, `${zone}.zone`);
  const conf = join(dir, 'knot.conf');
  const keys = opts.keys ?? [];
  await mkdir(join(dir, 'run'));
  await mkdir(join(dir, 'db'));
  await writeFile(zoneFile, opts.zoneText ?? defaultZoneText(zone));
  const acls = keys.filter((k) => k.actions.length > 0);
  await writeFile(
    conf,
    [
      'server:',
      `    rundir: "${dir}/run"`,
      `    listen: 127.0.0.1@${port}`,
      'log:',
      '  - target: stderr',
      '    any: info',
      'database:',
      `    storage: "${dir}/db"`,
      ...(keys.length ? ['key:', ...keys.flatMap((k) => [`  - id: ${k.name}`, `    algorithm: ${k.algorithm}`, `    secret: ${k.secret}`])] : []),
      ...(acls.length ? ['acl:', ...acls.flatMap((k) => [`  - id: acl-${k.name}`, `    key: ${k.name}`, `    action: [ ${k.actions.join(', ')} ]`])] : []),
      'template:',
      '  - id: default',
      `    storage: "${dir}"`,
      '    file: "%s.zone"',
      '    zonefile-sync: -1',
      '    zonefile-load: whole',
      '    journal-content: changes',
      '    semantic-checks: on',
      'zone:',
      `  - domain: ${zone}`,
      ...(acls.length ? [`    acl: [ ${acls.map((k) => `acl-${k.name}`).join(', ')} ]`] : []),
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  await runTool(knotc, ['-c', conf, 'conf-check']);
  const daemon = await startDaemon({ what: 'knotd', argv: [knotd, '-c', conf], logFile: join(dir, 'knotd.log'), dir, port, zone });
  return { port, dir, zoneFile, conf, knotc: (args) => runTool(knotc, ['-c', conf, ...args]), ...daemon };
}
