import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Provider } from '../../providers/kit/types.js';
import zonefileProvider from '../../providers/zonefile/index.js';
import { findApexSoa } from '../../providers/zonefile/zone-text.js';
import { dig, digRrset } from '../helpers/dig.js';
import type { ContractHarness } from './provider-contract.js';

/**
 * The zone-file provider driving a real server (Knot, NSD) through the reload command its README
 * gives. Shared by the zone-file contract tests of each server.
 */
export const ZONE = 'example.test';

/** The README's Knot command, with `-c` so it reaches the test's knotd: blocks until the load finished, non-zero when it failed. */
export const knotReload = (conf: string, zone = ZONE) => ['knotc', '-c', conf, '-b', 'zone-reload', zone];

/** The README's NSD command: nsd-control reload answers ok even for a broken file, so the file is checked first. */
export const nsdReload = (conf: string, zoneFile: string, zone = ZONE) => ['sh', '-c', `nsd-checkzone ${zone} ${zoneFile} && nsd-control -c ${conf} reload ${zone}`];

export interface FileServer {
  port: number;
  zoneFile: string;
}

/** Waits until the server serves the serial that its zone file holds (NSD reloads in the background). */
export async function servedSerialIsFiles(server: FileServer, zone = ZONE): Promise<void> {
  const want = Number(findApexSoa(readFileSync(server.zoneFile, 'utf8'), zone)?.rdata[2]?.text);
  for (let i = 0; i < 100; i++) {
    const soa = await dig('127.0.0.1', server.port, zone, 'SOA').catch(() => []);
    if (Number(soa[0]?.split(/\s+/)[2]) === want) return;
    await sleep(50);
  }
  throw new Error(`the server on port ${server.port} does not serve serial ${want} of ${server.zoneFile}`);
}

/** dig at the server once it serves the file as it is now; null = no such rrset. */
export async function servedRrset(server: FileServer, name: string, type: string): Promise<string[] | null> {
  await servedSerialIsFiles(server);
  return digRrset(server.port, name, type);
}

/** "name TTL IN TYPE data" lines as the server answers them (dig +short hides the TTL). */
export function servedWithTtl(port: number, name: string, type: string): Promise<string[]> {
  const args = ['+noall', '+answer', '+norec', '+time=1', '+tries=2', '@127.0.0.1', '-p', String(port), name, type];
  return new Promise((done, fail) =>
    execFile('dig', args, { timeout: 10_000 }, (err, stdout) => (err ? fail(err) : done(stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/).join(' ')).sort()))),
  );
}

export function zonefileProviderFor(server: FileServer, reload: string[]): Provider {
  return zonefileProvider.create(zonefileProvider.configSchema.parse({ type: 'zonefile', file: server.zoneFile, zone: ZONE, reload }), { userAgent: 'dnsfail/test', baseDir: '/' });
}

/** The contract harness: a mutation is a change of the file's contents, the independent view is dig at the server. */
export function zonefileHarness(kind: string, start: () => Promise<{ server: FileServer; reload: string[]; stop: () => Promise<void> }>): ContractHarness {
  let running: Awaited<ReturnType<typeof start>> | undefined;
  let writes = 0;
  let lastText = '';
  const countWrites = () => {
    const text = readFileSync(running!.server.zoneFile, 'utf8');
    if (text !== lastText) {
      lastText = text;
      writes++;
    }
    return writes;
  };
  return {
    kind,
    capabilities: zonefileProvider.capabilities,
    zone: ZONE,
    start: async () => {
      running = await start();
      lastText = readFileSync(running.server.zoneFile, 'utf8');
    },
    stop: async () => running?.stop(),
    provider: () => zonefileProviderFor(running!.server, running!.reload),
    settings: () => ({ type: 'zonefile', file: running!.server.zoneFile, zone: ZONE, reload: running!.reload }),
    lookup: (name, type) => servedRrset(running!.server, name, type),
    mutations: countWrites,
    requests: countWrites,
  };
}
