import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCli, type RunningCli } from '../test/helpers/cli.js';
import { findTool } from '../test/helpers/require-tool.js';
import { freePort, startHttpTarget, type Target } from '../test/helpers/targets.js';
import { queryA } from './lib/dns-query.js';
import { median } from './lib/measure-node.js';
import { PDNS_TOOLS, startLuaPdns, type LuaPdns } from './lib/pdns-lua.js';
import type { BenchRow } from './lib/row.js';

const REPEATS = 3;
const INTERVAL_S = 1;
const FALL = 2;
const BOUND_MS = FALL * INTERVAL_S * 1000 + 1000;
const POLL_MS = 50;
/** Both names must answer the primary this long before it is killed: at least one LUA check ran. */
const SETTLE_MS = 1500;
const WAIT_MS = 12_000;

const ZONE = 'example.test';
const DNSFAIL_NAME = `app.${ZONE}`;
/** The same record with fall 1: like for like with LUA, whose 4.7 checks flip on one failure. */
const FALL1_NAME = `app-fall1.${ZONE}`;
const LUA_NAME = `lua.${ZONE}`;
const NAMES = [DNSFAIL_NAME, FALL1_NAME, LUA_NAME];
const PRIMARY = '127.0.0.2';
const BACKUP = '127.0.0.3';

/**
 * Failover latency at a real PowerDNS, dnsfail against PowerDNS's own LUA records, in one run.
 * app.example.test is an A record that `dnsfail watch --interval 1s` (fall 2, rise 2, ttl 1) keeps
 * on the first healthy server through the API; lua.example.test is a LUA record, ifurlup over the
 * ordered sets {primary} then {backup}, checked by PowerDNS every second (ttl 1). The primary's HTTP
 * server is closed and both names are asked at PowerDNS every 50 ms until each answers the backup.
 * Issue target: dnsfail ≤ fall × interval + 1 s.
 */
export async function run(): Promise<BenchRow[]> {
  const missing = [...PDNS_TOOLS].filter((t) => !findTool(t));
  if (missing.length) throw new Error(`skipped: missing ${missing.join(', ')} (apt-get install pdns-server pdns-backend-sqlite3 sqlite3)`);

  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-bench-lua-'));
  let pdns: LuaPdns | undefined;
  let primary: Target | undefined;
  let backup: Target | undefined;
  let watch: RunningCli | undefined;
  try {
    pdns = await startLuaPdns({ luaCheckIntervalS: INTERVAL_S });
    const port = await freePort(PRIMARY);
    primary = await startHttpTarget({ host: PRIMARY, port });
    backup = await startHttpTarget({ host: BACKUP, port });

    await pdns.api('POST', '/zones', { name: `${ZONE}.`, kind: 'Native', nameservers: [`ns1.${ZONE}.`] });
    // The URL's host is only the Host header: PowerDNS pins each check to the candidate address (curl --resolve).
    const lua = `A "ifurlup('http://${LUA_NAME}:${port}/health', {{'${PRIMARY}'}, {'${BACKUP}'}})"`;
    await pdns.api('PATCH', `/zones/${ZONE}.`, {
      rrsets: [
        ...[DNSFAIL_NAME, FALL1_NAME].map((name) => ({ name: `${name}.`, type: 'A', ttl: 1, changetype: 'REPLACE', records: [{ content: PRIMARY, disabled: false }] })),
        { name: `${LUA_NAME}.`, type: 'LUA', ttl: 1, changetype: 'REPLACE', records: [{ content: lua, disabled: false }] },
      ],
    });

    const cfg = join(dir, 'dnsfail.yaml');
    writeFileSync(
      cfg,
      `providers:
  pdns: { type: powerdns, url: "${pdns.apiUrl}", apiKey: "\${PDNS_API_KEY}", zone: ${ZONE} }
defaults:
  ttl: 1
  rise: 2
  check: { type: http, port: ${port}, path: /health, timeout: 1s }
records:
  - { name: ${DNSFAIL_NAME}, fall: ${FALL}, servers: [${PRIMARY}, ${BACKUP}] }
  - { name: ${FALL1_NAME}, fall: 1, servers: [${PRIMARY}, ${BACKUP}] }
`,
    );
    watch = startCli(['watch', '--interval', `${INTERVAL_S}s`, '-c', cfg, '--state', join(dir, 'state.json')], { env: { PDNS_API_KEY: pdns.apiKey } });

    const dnsPort = pdns.dnsPort;
    const ask = (name: string) => queryA('127.0.0.1', dnsPort, name, 500).catch(() => [] as string[]);
    const ms: Record<string, number[]> = Object.fromEntries(NAMES.map((n) => [n, []]));
    for (let rep = 0; rep < REPEATS; rep++) {
      await settleOn(PRIMARY, ask, () => `dnsfail watch output:\n${watch?.lines.slice(-20).join('\n')}\n--- pdns ---\n${pdns?.log()}`);
      // A random phase, so the kill lands anywhere in dnsfail's and PowerDNS's check cycles.
      await sleep(Math.random() * INTERVAL_S * 1000);
      const t0 = performance.now();
      await primary.close();
      const seen = await timeUntilBackup(ask, t0);
      for (const n of NAMES) ms[n]!.push(seen[n]!);
      primary = await startHttpTarget({ host: PRIMARY, port });
    }

    const dnsfailMs = ms[DNSFAIL_NAME]!;
    const luaMs = ms[LUA_NAME]!;
    const d = median(dnsfailMs);
    const l = median(luaMs);
    const f1 = median(ms[FALL1_NAME]!);
    const worst = Math.max(...dnsfailMs);
    const runs = (xs: number[]) => xs.map((x) => Math.round(x)).join(', ');
    return [
      {
        name: `dnsfail watch --interval ${INTERVAL_S}s, fall ${FALL}: primary killed → PowerDNS answers the backup`,
        value: Math.round(d),
        unit: 'ms',
        compare: { name: `PowerDNS LUA ifurlup, ${INTERVAL_S} s checks`, value: Math.round(l) },
        ratio: d / l,
        note: `median of ${REPEATS}; dnsfail ${runs(dnsfailMs)} ms, LUA ${runs(luaMs)} ms; ttl 1 on both, polled every ${POLL_MS} ms`,
      },
      {
        name: `dnsfail watch --interval ${INTERVAL_S}s, fall 1 (like LUA: one failed check flips it)`,
        value: Math.round(f1),
        unit: 'ms',
        compare: { name: `PowerDNS LUA ifurlup, ${INTERVAL_S} s checks`, value: Math.round(l) },
        ratio: f1 / l,
        note: `median of ${REPEATS}; runs ${runs(ms[FALL1_NAME]!)} ms`,
      },
      {
        name: 'dnsfail worst run vs the bound fall × interval + 1 s',
        value: Math.round(worst),
        unit: 'ms',
        compare: { name: 'bound', value: BOUND_MS },
        ratio: worst / BOUND_MS,
        note: worst <= BOUND_MS ? 'target ≤ 1×: met' : 'target ≤ 1×: MISSED',
      },
    ];
  } finally {
    if (watch) {
      watch.signal('SIGTERM');
      const timer = setTimeout(() => watch?.signal('SIGKILL'), 5_000);
      await watch.exited;
      clearTimeout(timer);
    }
    await primary?.close();
    await backup?.close();
    await pdns?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Ask = (name: string) => Promise<string[]>;

/** Waits until every name has answered `address` alone for SETTLE_MS in a row. */
async function settleOn(address: string, ask: Ask, context: () => string): Promise<void> {
  const deadline = performance.now() + WAIT_MS + SETTLE_MS;
  let since: number | undefined;
  while (performance.now() < deadline) {
    const answers = await Promise.all(NAMES.map(ask));
    const ok = answers.every((a) => a.length === 1 && a[0] === address);
    if (!ok) since = undefined;
    else if (since === undefined) since = performance.now();
    else if (performance.now() - since >= SETTLE_MS) return;
    await sleep(POLL_MS);
  }
  throw new Error(`${NAMES.join(', ')} did not all settle on ${address} within ${WAIT_MS / 1000} s\n${context()}`);
}

/** Milliseconds from t0 until each name first answers the backup alone. */
async function timeUntilBackup(ask: Ask, t0: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  const names = NAMES;
  while (performance.now() - t0 < WAIT_MS) {
    await Promise.all(
      names
        .filter((n) => seen[n] === undefined)
        .map(async (n) => {
          const a = await ask(n);
          if (a.length === 1 && a[0] === BACKUP) seen[n] = performance.now() - t0;
        }),
    );
    if (names.every((n) => seen[n] !== undefined)) return seen;
    await sleep(POLL_MS);
  }
  throw new Error(`not on the backup within ${WAIT_MS / 1000} s: ${names.filter((n) => seen[n] === undefined).join(', ')}`);
}
