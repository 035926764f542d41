import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from '../../test/helpers/cli.js';
import { freePort, startFlappingTarget, startHttpTarget } from '../../test/helpers/targets.js';
import { queryA } from './dns-query.js';
import type { LuaPdns } from './pdns-lua.js';

/**
 * Bench 4 (a): `dnsfail check` from a simulated cron, one lane per measured run. A lane is one
 * record (rrset) of a real PowerDNS zone, its own primary and backup HTTP servers and its
 * own state file; a faithful cron: every 60 s a new `dnsfail check` process, whether or not the last
 * one ended. The primary is killed at a random point of the cron interval and PowerDNS is asked
 * until it answers the backup. Lanes run side by side (with and without fastInterval alternating,
 * start times spread over one interval) to fit many 60 s cron runs into a few minutes of wall time.
 */

export const CRON_MS = 60_000;
const POLL_MS = 250;
const PRIMARY = '127.0.0.2';
const BACKUP = '127.0.0.3';
/** No lane may take longer than this: four cron intervals after the kill. */
const GIVE_UP_MS = 4 * CRON_MS + 30_000;

export interface CronLane {
  /** YAML value of fastInterval. */
  fastInterval: string;
  /** A primary that answers 200 and 503 in turn (false failovers are counted) instead of one that is killed. */
  flapping?: boolean;
}

export interface CronLaneResult extends CronLane {
  /** Seconds from the kill to PowerDNS answering the backup (killed lanes). */
  seconds?: number;
  /** Times the answer changed (flapping lanes). */
  changes?: number;
  /** Cron runs the lane started. */
  runs: number;
}

export async function runCronLanes(pdns: LuaPdns, zone: string, lanes: CronLane[], spreadMs: number): Promise<CronLaneResult[]> {
  await pdns.api('POST', '/zones', { name: `${zone}.`, kind: 'Native', nameservers: [`ns1.${zone}.`] });
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-bench-cron-'));
  try {
    return await Promise.all(lanes.map((lane, i) => sleep((spreadMs * i) / lanes.length).then(() => runLane(pdns, zone, dir, i, lane))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runLane(pdns: LuaPdns, zone: string, dir: string, i: number, lane: CronLane): Promise<CronLaneResult> {
  const port = await freePort(PRIMARY);
  const primary = lane.flapping ? await startFlappingTarget(PRIMARY, port) : await startHttpTarget({ host: PRIMARY, port });
  const backup = await startHttpTarget({ host: BACKUP, port });
  const name = `lane${i}.${zone}`;
  const config = join(dir, `lane${i}.yaml`);
  writeFileSync(
    config,
    `providers:
  pdns: { type: powerdns, url: "${pdns.apiUrl}", apiKey: "\${PDNS_API_KEY}", zone: ${zone} }
records:
  - name: ${name}
    ttl: 1
    fall: 3
    rise: 2
    fastInterval: ${lane.fastInterval}
    check: { type: http, port: ${port}, path: /health, timeout: 2s }
    servers: [${PRIMARY}, ${BACKUP}]
`,
  );
  const args = ['check', '-c', config, '--state', join(dir, `lane${i}.json`)];
  const env = { PDNS_API_KEY: pdns.apiKey };
  const ask = () => queryA('127.0.0.1', pdns.dnsPort, name, 500).catch(() => [] as string[]);
  let runs = 0;
  const running = new Set<Promise<unknown>>();
  const cronRun = () => {
    runs++;
    const p = runCli(args, { env, timeoutMs: CRON_MS }).finally(() => running.delete(p));
    running.add(p);
    return p;
  };
  const tick0 = performance.now();
  const stop = new AbortController();
  void (async () => {
    for (let k = 1; ; k++) {
      await sleep(tick0 + k * CRON_MS - performance.now(), undefined, { signal: stop.signal });
      void cronRun();
    }
  })().catch(() => {}); // aborted
  try {
    const first = await cronRun(); // the tick at tick0
    if (first.code !== 0) throw new Error(`lane ${i}: first check exited ${first.code}: ${first.stderr}`);
    const answer = (await ask()).join(',');
    if (answer !== PRIMARY) throw new Error(`lane ${i}: ${name} answers ${answer || 'nothing'} after the first run, not ${PRIMARY}`);
    if (lane.flapping) {
      let changes = 0;
      let last = answer;
      while (performance.now() - tick0 < GIVE_UP_MS) {
        const now = (await ask()).join(',');
        if (now && now !== last) changes++;
        if (now) last = now;
        await sleep(POLL_MS);
      }
      return { ...lane, changes, runs };
    }
    await sleep(tick0 + Math.random() * CRON_MS - performance.now());
    const killedAt = performance.now();
    await primary.close();
    while (performance.now() - killedAt < GIVE_UP_MS) {
      if ((await ask()).join(',') === BACKUP) return { ...lane, seconds: (performance.now() - killedAt) / 1000, runs };
      await sleep(POLL_MS);
    }
    throw new Error(`lane ${i} (fastInterval ${lane.fastInterval}): ${name} not on the backup ${GIVE_UP_MS / 1000} s after the kill`);
  } finally {
    stop.abort();
    await Promise.all(running);
    await primary.close().catch(() => {});
    await backup.close();
  }
}
