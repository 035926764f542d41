import type { Provider, WriteItem } from '../../providers/kit/types.js';
import type { Config, RecordConfig, VantageConfig } from '../config/types.js';
import { eventsOfRun } from '../core/events.js';
import { planRecord, refusedPlan, type RecordPlan } from '../core/plan.js';
import type { RecordHistory } from '../core/types.js';
import { ExitCode } from '../errors.js';
import type { ProbeSeries } from '../health/run-checks.js';
import type { ProbeResult, ProbeTarget } from '../health/types.js';
import type { StateFile } from '../state/store.js';
import { applyPlan, batchersFor, historyAfter, type Applied } from './apply.js';
import { gatherRecord, holdsInForce, readRecords, type RecordReads } from './gather.js';
import { holdKey, refusalOf, type Hold, type Refusal } from './holds.js';
import { decideProbed, gapOf, probeRecord, startProbes } from './probe-record.js';
import { recordReport, type RecordReport, type RunReport } from './report.js';
import type { ReadResult } from './read-all.js';
import { storedTtl } from './stored-ttl.js';
import type { WriteBatcher } from './write-batcher.js';
import { ownVoteWrite, votesOf, writeVotes, type VotesRead } from './votes.js';

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
 * One run: gather (probes start, records are read, batched per provider) → decide → plan → apply, per
 * record. A record is decided as soon as its pending probes can no longer change the outcome, and its
 * plan applied at once (a dry run applies nothing), so a healthy top server is written without waiting
 * for a black-holed one below it; writes are batched per provider. Prints nothing; returns the report
 * (every record's plan and what became of it) and the state to persist.
 */
export async function runOnce(config: Config, state: StateFile, deps: RunDeps, opts: RunOptions): Promise<{ report: RunReport; state: StateFile }> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const t0 = performance.now();

  const targets = config.records.flatMap((r) => r.servers.map((s) => ({ address: s.address, check: s.check, recordName: r.name })));
  const probes = startProbes(targets, deps.probe, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const probesOf: ProbeSeries[][] = [];
  let offset = 0;
  for (const r of config.records) {
    probesOf.push(probes.slice(offset, offset + r.servers.length));
    offset += r.servers.length;
  }
  const holds = holdsInForce(config, state, now());
  const reads = readRecords(config, deps.providers, holds);
  const batchers = batchersFor(config, deps.providers, opts.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS);
  const ctx = { dryRun: opts.dryRun, now, deadline: t0 + probingBoundMs(config, opts.fastIntervalCapMs), ...(opts.fastIntervalCapMs !== undefined ? { fastIntervalCapMs: opts.fastIntervalCapMs } : {}) };

  const runs = await Promise.all(
    config.records.map((record, i) =>
      runRecord(record, state.records[record.key], probesOf[i]!, reads[i]!, holds[i], batchers.get(record.provider)!, {
        ...ctx,
        unlock: (opts.unlockCommand ?? ((n) => `dnsfail unlock ${n}`))(record.name),
        settings: config.providers[record.provider]!.settings,
        wantedTtl: storedTtl(config, record),
        ...(config.vantage ? { vantage: config.vantage } : {}),
      }).then((run) => withVote(run, record, reads[i]!.votes, config.vantage, opts.dryRun, now())),
    ),
  );
  const votes = await writeVotes(
    runs.flatMap((r, i) => (r.vote ? [{ store: config.vantage!.store ?? config.records[i]!.provider, item: r.vote }] : [])),
    deps.providers,
  );

  const nextRecords: Record<string, RecordHistory> = {};
  const nextHolds: Record<string, Hold> = {};
  runs.forEach(({ history, hold }, i) => {
    const r = config.records[i]!;
    nextRecords[r.key] = history;
    if (hold) nextHolds[holdKey(r.provider, r.key)] = hold;
  });
  const reports = runs.map((s) => (s.vote ? { ...s.report, voteWritten: votes.written.has(s.vote) } : s.report));
  const exitCode = reports.some((r) => r.outcome === 'error')
    ? ExitCode.failure
    : reports.some((r) => r.outcome === 'no-quorum')
      ? ExitCode.noQuorum
      : reports.some((r) => r.outcome === 'all-down' || r.outcome === 'fallback')
      ? ExitCode.allDown
      : ExitCode.ok;
  return {
    report: {
      dryRun: opts.dryRun,
      startedAt: started.toISOString(),
      durationMs: Math.round(performance.now() - t0),
      records: reports,
      warnings: [...runs.flatMap((r) => r.votes?.warnings ?? []), ...votes.warnings],
      events: eventsOfRun(reports, (r) => state.records[`${r.name}/${r.type}`]?.lastOutcome),
      exitCode,
    },
    state: { version: state.version, records: nextRecords, ...(Object.keys(nextHolds).length ? { holds: nextHolds } : {}) },
  };
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

interface RecordRun {
  report: RecordReport;
  history: RecordHistory;
  hold?: Hold;
  /** Several checkers: the votes read, and this checker's vote to write after the run (absent: none due). */
  votes?: VotesRead;
  vote?: WriteItem;
}

/**
 * One record through the run: gather what it holds, probe until the decision is settled, plan, apply
 * the plan at once; then, with every probe in, the final decision gives the reason and the history.
 * Every record applies exactly one plan: a refused one (held, unreadable, a CNAME, a probe this machine
 * could not make) writes nothing.
 */
async function runRecord(
  record: RecordConfig,
  prev: RecordHistory | undefined,
  series: ProbeSeries[],
  reads: RecordReads,
  hold: Hold | undefined,
  batcher: WriteBatcher,
  ctx: { dryRun: boolean; now: () => Date; settings: unknown; unlock: string; wantedTtl: number; deadline: number; fastIntervalCapMs?: number; vantage?: VantageConfig },
): Promise<RecordRun> {
  const { now } = ctx;
  const got = gatherRecord(record, prev, await reads.record, hold, { ...ctx, now: now() });
  const votes = ctx.vantage ? votesOf(ctx.vantage, record, await reads.votes, now()) : undefined;
  const quorum = votes ? { quorum: votes.quorum } : {};
  const current = got.current?.values ?? null;
  let refusal: Refusal | undefined;
  let plan: RecordPlan | undefined;
  let applying: Promise<Applied> | undefined;
  const apply = (p: RecordPlan) => {
    plan = p;
    applying = applyPlan(p, batcher, ctx.dryRun);
  };
  const refuse = (r: Refusal) => {
    refusal = r;
    apply(refusedPlan(record, current, got.ttl, r.message));
  };
  if (got.refusal) refuse(got.refusal);

  const probed = await probeRecord(record, prev, series, {
    ...ctx,
    current,
    ttl: got.ttl,
    refused: refusal !== undefined,
    onSettled: (settled) => apply(planRecord(record, settled, got.current, got.ttl)),
    onLocalFailure: (message) => refuse({ message }),
    ...quorum,
  });
  const final = decideProbed(record, prev, probed, current, now(), { currentUnknown: got.unknown, ttl: got.ttl, ...quorum });
  if (!plan || !applying) throw new Error(`bug: ${record.key} ended its probes without a plan`);
  const report = (p: RecordPlan, result: Parameters<typeof recordReport>[1]) => ({
    ...recordReport(p, result, final.servers, probed.starts),
    ...(votes ? { votes: votes.peers.map((v) => ({ id: v.id, counted: v.vote !== undefined, ...(v.ageS !== undefined ? { ageS: v.ageS } : {}), ...(v.problem ? { problem: v.problem } : {}) })) } : {}),
  });
  const withVotes = votes ? { votes } : {};

  if (refusal) {
    const history = historyAfter(prev, final, plan, null, now());
    return { report: report(plan, { outcome: 'error', written: false, error: refusal.message }), history, ...(refusal.hold ? { hold: refusal.hold } : {}), ...withVotes };
  }
  // The settled decision fixed what to write; the final one, with every probe in, says why.
  const planned: RecordPlan = { ...plan, reason: final.reason };
  const applied = await applying;
  const history = historyAfter(prev, final, planned, applied, now());
  if (applied.error !== undefined) {
    const f = refusalOf(applied.error, 'write failed', ctx, now());
    return { report: report(planned, { outcome: 'error', written: false, error: f.message }), history, ...(f.hold ? { hold: f.hold } : {}), ...withVotes };
  }
  return { report: report(planned, { outcome: final.outcome, written: applied.written }), history, ...withVotes };
}

/** Several checkers: this checker's vote on the record, when one is due after the run (never in a dry run, nor when the votes were not read). */
async function withVote(run: RecordRun, record: RecordConfig, votes: Promise<ReadResult[] | null>, v: VantageConfig | undefined, dryRun: boolean, now: Date): Promise<RecordRun> {
  if (!v || dryRun || !run.votes) return run;
  const read = await votes;
  if (!read) return run;
  const vote = ownVoteWrite(v, record, run.history, run.votes.own, read[v.peers.indexOf(v.id)], now);
  return vote ? { ...run, vote } : run;
}
