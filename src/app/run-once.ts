import { setTimeout as sleep } from 'node:timers/promises';
import type { CurrentRecord, Provider } from '../../providers/kit/types.js';
import type { Config, RecordConfig, ServerConfig } from '../config/types.js';
import { eventsOfRun } from '../core/events.js';
import { decideRecord } from '../core/select.js';
import { awaitsConfirmation, failuresToSettle, foldHistory, priorHistory } from '../core/history.js';
import { settledDecision } from '../core/settle.js';
import type { Decision, Observation, RecordHistory } from '../core/types.js';
import { ExitCode } from '../errors.js';
import { startProbeSeries, type ProbeSeries } from '../health/run-checks.js';
import { localProbeFailure, type ProbeResult, type ProbeTarget } from '../health/types.js';
import { redact } from '../../providers/kit/redact.js';
import type { StateFile } from '../state/store.js';
import { describeHold, holdApplies, holdFromError, holdKey, type Hold } from './holds.js';
import { readAll, type ReadResult } from './read-all.js';
import { storedTtl } from './stored-ttl.js';
import type { RecordReport, RunReport } from './report.js';
import { WriteBatcher } from './write-batcher.js';

export interface RunDeps {
  providers: Record<string, Provider>;
  /** All probes at once (tests); by default each target is probed as soon as a slot is free. */
  probe?: (targets: ProbeTarget[]) => Promise<ProbeResult[]>;
  now?: () => Date;
}

export interface RunOptions {
  dryRun: boolean;
  /** Probes in flight at once. */
  concurrency?: number;
  /** How long a provider's first queued write waits for others to join its batch. */
  batchWindowMs?: number;
  /** watch: confirming probes come at most this long apart (its interval), even with a longer fastInterval. */
  fastIntervalCapMs?: number;
  /** The command that lifts a record's lockout or backoff, for messages (default `dnsfail unlock NAME`). */
  unlockCommand?: (recordName: string) => string;
}

export const DEFAULT_CONCURRENCY = 64;
const DEFAULT_BATCH_WINDOW_MS = 50;

/**
 * One run. Every probe starts at once (bounded by `concurrency`) and every record is read (batched per
 * provider) meanwhile. A record is decided as soon as its pending probes can no longer change the
 * outcome, so a healthy top server is written without waiting for a black-holed one below it; writes
 * are batched per provider. Prints nothing; returns the report and the state to persist.
 */
export async function runOnce(config: Config, state: StateFile, deps: RunDeps, opts: RunOptions): Promise<{ report: RunReport; state: StateFile }> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const t0 = performance.now();

  const targets = config.records.flatMap((r) => r.servers.map((s) => ({ address: s.address, check: s.check, recordName: r.name })));
  const probes = startProbes(targets, deps, opts);
  const probesOf: ProbeSeries[][] = [];
  let offset = 0;
  for (const r of config.records) {
    probesOf.push(probes.slice(offset, offset + r.servers.length));
    offset += r.servers.length;
  }
  const deadline = t0 + probingBoundMs(config, opts.fastIntervalCapMs);

  const holds = config.records.map((r) => {
    const prevHold = state.holds?.[holdKey(r.provider, r.key)];
    return prevHold && holdApplies(prevHold, config.providers[r.provider]!.settings, now()) ? prevHold : undefined;
  });
  const reads = readRecords(config, deps.providers, holds);
  const batchers = new Map<string, WriteBatcher>();
  for (const id of new Set(config.records.map((r) => r.provider))) {
    const expected = config.records.filter((r, i) => r.provider === id && !holds[i]).length;
    batchers.set(id, new WriteBatcher(deps.providers[id]!, expected, opts.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS));
  }

  const settled = await Promise.all(
    config.records.map((record, i) =>
      settleRecord(record, state.records[record.key], probesOf[i]!, reads[i]!, holds[i], batchers.get(record.provider)!, {
        dryRun: opts.dryRun,
        now,
        unlock: (opts.unlockCommand ?? ((n) => `dnsfail unlock ${n}`))(record.name),
        settings: config.providers[record.provider]!.settings,
        wantedTtl: storedTtl(config, record),
        deadline,
        ...(opts.fastIntervalCapMs !== undefined ? { fastIntervalCapMs: opts.fastIntervalCapMs } : {}),
      }),
    ),
  );

  const nextRecords: Record<string, RecordHistory> = {};
  const nextHolds: Record<string, Hold> = {};
  settled.forEach(({ history, hold }, i) => {
    const r = config.records[i]!;
    nextRecords[r.key] = history;
    if (hold) nextHolds[holdKey(r.provider, r.key)] = hold;
  });
  const reports = settled.map((s) => s.report);
  const exitCode = reports.some((r) => r.outcome === 'error')
    ? ExitCode.failure
    : reports.some((r) => r.outcome === 'all-down' || r.outcome === 'fallback')
      ? ExitCode.allDown
      : ExitCode.ok;
  return {
    report: {
      dryRun: opts.dryRun,
      startedAt: started.toISOString(),
      durationMs: Math.round(performance.now() - t0),
      records: reports,
      warnings: [],
      events: eventsOfRun(reports, (r) => state.records[`${r.name}/${r.type}`]?.lastOutcome),
      exitCode,
    },
    state: { version: state.version, records: nextRecords, ...(Object.keys(nextHolds).length ? { holds: nextHolds } : {}) },
  };
}

function startProbes(targets: ProbeTarget[], deps: RunDeps, opts: RunOptions): ProbeSeries[] {
  const { probe } = deps;
  if (!probe) return startProbeSeries(targets, { concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY });
  const startedAt = performance.now();
  const all = probe(targets);
  return targets.map((target, i) => {
    const results = [all.then((r) => ({ ...r[i]!, startedAt }))];
    const later = (gapMs: number) => sleep(gapMs).then(() => ({ startedAt: performance.now() })).then(async (t) => ({ ...(await probe([target]))[0]!, ...t }));
    return { nth: (n, gapMs) => (results[n] ??= results[n - 1]!.then(() => later(gapMs))) };
  });
}

/** The gap before a confirming probe of this server; 0: none. */
function gapOf(server: ServerConfig, capMs: number | undefined): number {
  const ms = server.fastIntervalMs ?? 0;
  return capMs !== undefined && ms > capMs ? capMs : ms;
}

/**
 * The longest a run probes (the documented bound): fall × (timeout + fastInterval) of the slowest
 * server, that is its `fall` probes all timing out with their gaps, and one gap to spare for timers
 * and module loading. A confirming probe that could not end by then is not made.
 */
export function probingBoundMs(config: Config, capMs?: number): number {
  let bound = 0;
  for (const r of config.records) {
    for (const s of r.servers) {
      const gap = gapOf(s, capMs);
      bound = Math.max(bound, gap > 0 ? r.fall * (s.check.timeoutMs + gap) : s.check.timeoutMs);
    }
  }
  return bound;
}

/** One promise per record: the read result, batched per provider; null when not read (held, or the provider cannot read). */
function readRecords(config: Config, providers: Record<string, Provider>, holds: Array<Hold | undefined>): Array<Promise<ReadResult | null>> {
  const out = new Array<Promise<ReadResult | null>>(config.records.length);
  for (const id of new Set(config.records.map((r) => r.provider))) {
    if (!providers[id]!.read) continue; // write-only: what is published comes from the state file
    const idx = config.records.map((r, i) => (r.provider === id && !holds[i] ? i : -1)).filter((i) => i >= 0);
    const all = readAll(providers[id]!, idx.map((i) => ({ name: config.records[i]!.name, type: config.records[i]!.type })));
    idx.forEach((recordIdx, j) => (out[recordIdx] = all.then((r) => r[j]!)));
  }
  return config.records.map((_, i) => out[i] ?? Promise.resolve(null));
}

interface Settled {
  report: RecordReport;
  history: RecordHistory;
  hold?: Hold;
}

async function settleRecord(
  record: RecordConfig,
  prev: RecordHistory | undefined,
  series: ProbeSeries[],
  readPromise: Promise<ReadResult | null>,
  hold: Hold | undefined,
  batcher: WriteBatcher,
  ctx: { dryRun: boolean; now: () => Date; settings: unknown; unlock: string; wantedTtl: number; deadline: number; fastIntervalCapMs?: number },
): Promise<Settled> {
  const { now } = ctx;
  const fromState: CurrentRecord | null = prev?.published ? { values: prev.published } : null;
  const read = await readPromise;
  let current: CurrentRecord | null = fromState;
  let problem: { message: string; hold?: Hold } | undefined;
  if (hold) problem = { message: describeHold(hold, ctx.unlock), hold };
  else if (read && !read.ok) {
    problem = failure(read.error, 'cannot read the record', ctx, now());
    batcher.skip(); // counted among the batcher's records, but will not write
  } else if (read?.value?.cname !== undefined) {
    problem = { message: cnameMessage(record.name, read.value.cname) };
    batcher.skip();
  } else if (read) current = read.value;
  const ttl = { wanted: ctx.wantedTtl, ...(read?.ok && read.value?.ttl !== undefined ? { current: read.value.ttl } : {}) };

  // Decide as early as the probes allow; write (batched) as soon as decided. A failed probe of a
  // server still counted up is confirmed (fastInterval) while the record is not settled.
  const observations: Observation[][] = record.servers.map(() => []);
  const starts: number[][] = record.servers.map(() => []);
  const awaiting = record.servers.map(() => true);
  const historyOf = (i: number) => foldHistory(prev?.servers[record.servers[i]!.address], observations[i]!, record, now());
  let early: Decision | null = null;
  let writing = null as Promise<{ written: boolean; error?: unknown }> | null;
  const tryDecide = () => {
    if (early || problem) return;
    const before = priorHistory(prev, record, observations, (i) => observations[i]!.length - (awaiting[i] ? 0 : 1), now());
    const known = observations.flatMap((o, i) => (awaiting[i] || o.length === 0 ? [] : [o[o.length - 1]!]));
    const pending = record.servers.filter((_, i) => awaiting[i]).map((s) => s.address);
    const failuresOf = (address: string) => {
      const i = record.servers.findIndex((s) => s.address === address);
      return failuresToSettle(before?.servers[address], record.fall, gapOf(record.servers[i]!, ctx.fastIntervalCapMs) > 0);
    };
    early = settledDecision(record, before, known, pending, current?.values ?? null, now(), ttl, failuresOf);
    if (early) writing = startWrite(record, early, current, batcher, ctx.dryRun);
  };
  tryDecide();
  await Promise.all(
    record.servers.map(async (server, i) => {
      const gapMs = gapOf(server, ctx.fastIntervalCapMs);
      for (let n = 0; ; n++) {
        const r = await series[i]!.nth(n, gapMs);
        const local = localProbeFailure(r);
        if (local !== null) {
          // Not an observation: the server's history stays as it was. Undecided, the record is left alone.
          if (!early && !problem) {
            problem = { message: `this machine could not probe ${server.address} (${local}), which says nothing about the server: raise the open-file limit (ulimit -n) or lower --concurrency` };
            batcher.skip();
          }
          return void (awaiting[i] = false);
        }
        observations[i]!.push({ address: server.address, healthy: r.healthy, latencyMs: r.latencyMs, ...(r.error !== undefined ? { error: r.error } : {}), ...(r.detail !== undefined ? { detail: r.detail } : {}) });
        starts[i]!.push(r.startedAt);
        awaiting[i] =
          gapMs > 0 &&
          awaitsConfirmation(historyOf(i), record.fall) &&
          performance.now() + gapMs + server.check.timeoutMs <= ctx.deadline;
        tryDecide();
        if (!awaiting[i] || early || problem) return void (awaiting[i] = false);
      }
    }),
  );
  const lastOf = observations.flatMap((o) => (o.length ? [o[o.length - 1]!] : []));
  const before = priorHistory(prev, record, observations, (i) => observations[i]!.length - 1, now());
  const final = decideRecord(record, before, lastOf, current?.values ?? null, now(), { currentUnknown: read === null && !hold && !current, ttl });
  const history: RecordHistory = { ...final.next, lastOutcome: final.outcome };
  const report: RecordReport = {
    name: record.name,
    type: record.type,
    provider: record.provider,
    current: current?.values ?? null,
    desired: final.desired,
    changed: final.changed,
    written: false,
    outcome: final.outcome,
    reason: final.reason,
    servers: final.servers.map((v, i) => ({ ...v, probes: starts[i]!.length, probeGapsMs: starts[i]!.slice(1).map((t, k) => Math.round(t - starts[i]![k]!)) })),
    ttl,
  };
  if (problem) {
    if (prev?.lastOutcome) history.lastOutcome = prev.lastOutcome;
    else delete history.lastOutcome;
    // Nothing was decided for the record itself: the reason must not read as if it had been (e.g. "record is missing" after a failed read).
    const reason = `nothing written: ${problem.message}`;
    return { report: { ...report, outcome: 'error', error: problem.message, reason, desired: null, changed: false }, history, ...(problem.hold ? { hold: problem.hold } : {}) };
  }
  const outcome: { written: boolean; error?: unknown } = await (writing ?? Promise.resolve({ written: false }));
  if (outcome.error !== undefined) {
    const f = failure(outcome.error, 'write failed', ctx, now());
    return { report: { ...report, outcome: 'error', error: f.message }, history, ...(f.hold ? { hold: f.hold } : {}) };
  }
  if (!outcome.written) {
    if (final.desired && !final.changed) history.published = final.desired;
    return { report, history };
  }
  history.published = final.desired!;
  if (current?.values.length && final.outcome !== 'ttl') history.failovers = (prev?.failovers ?? 0) + 1;
  history.lastChange = { at: now().toISOString(), from: current?.values ?? [], to: final.desired!, reason: final.reason };
  return { report: { ...report, written: true }, history };
}

export function cnameMessage(name: string, target: string): string {
  return `${name} is a CNAME to ${target}, so dnsfail cannot manage its address records: set \`name: ${target}\` (the record dnsfail keeps on a healthy server) and \`alias: ${name}\` (the public name)`;
}

function startWrite(record: RecordConfig, d: Decision, current: CurrentRecord | null, batcher: WriteBatcher, dryRun: boolean) {
  if (!d.changed || !d.desired || dryRun) {
    batcher.skip();
    return Promise.resolve({ written: false });
  }
  return batcher
    .submit({ ref: { name: record.name, type: record.type }, req: { values: d.desired, ttl: record.ttl, previous: current } })
    .then((r) => (r.ok ? { written: true } : { written: false, error: r.error }));
}

function failure(e: unknown, what: string, ctx: { settings: unknown; unlock: string }, at: Date): { message: string; hold?: Hold } {
  const message = `${what}: ${redact(e instanceof Error ? e.message : String(e))}`;
  const hold = holdFromError(e, ctx.settings, at, message);
  return { message: hold ? describeHold(hold, ctx.unlock) : message, ...(hold ? { hold } : {}) };
}
