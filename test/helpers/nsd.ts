import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultZoneText } from './bind.js';
import { findTool } from './require-tool.js';
import { freePorts, runTool, startDaemon } from './server-process.js';

export const NSD_TOOLS = ['nsd', 'nsd-control', 'nsd-checkzone', 'dig'];
export const NSD_INSTALL = 'apt-get install nsd bind9-dnsutils';

export interface Nsd {
  port: number;
  dir: string;
  zoneFile: string;
  /** nsd.conf: `nsd-control -c <conf> reload <zone>` reaches this server (over a unix socket). */
  conf: string;
  control(args: string[]): Promise<string>;
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** A throwaway NSD 4 on 127.0.0.1 serving one zone from a file, nsd-control on a unix socket. */
export async function startNsd(opts: { zone: string; zoneText?: string }): Promise<Nsd> {
  const nsd = findTool('nsd');
  const nsdControl = findTool('nsd-control');
  if (!nsd || !nsdControl) throw new Error(`nsd and nsd-control are required (${NSD_INSTALL})`);
  const zone = opts.zone.replace(/\.$/, '');
  const dir = await mkdtemp(join(tmpdir(), 'dnsfail-nsd-'));
  const [port] = (await freePorts(1)) as [number];
  const zoneFile = join(dir, `${zone}.zone`);
  const conf = join(dir, 'nsd.conf');
  await writeFile(zoneFile, opts.zoneText ?? defaultZoneText(zone));
  await writeFile(
    conf,
    `server:
    ip-address: 127.0.0.1@${port}
    username: ""
    zonesdir: "${dir}"
    database: ""
    zonelistfile: "${dir}/zone.list"
    xfrdfile: "${dir}/xfrd.state"
    xfrdir: "${dir}"
    pidfile: "${dir}/nsd.pid"
    server-count: 1
remote-control:
    control-enable: yes
    control-interface: "${dir}/nsd.ctl"
zone:
    name: ${zone}
    zonefile: "${zoneFile}"
`,
  );
  const daemon = await startDaemon({ what: 'nsd', argv: [nsd, '-d', '-c', conf], logFile: join(dir, 'nsd.log'), dir, port, zone });
  return { port, dir, zoneFile, conf, control: (args) => runTool(nsdControl, ['-c', conf, ...args]), ...daemon };
}
