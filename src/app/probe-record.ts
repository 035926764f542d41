import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordConfig, ServerConfig } from '../config/types.js';
import { awaitsConfirmation, failuresToSettle, foldHistory, priorHistory } from '../core/history.js';
import type { Quorum } from '../core/quorum.js';
import { decideRecord } from '../core/select.js';
import { settledDecision } from '../core/settle.js';
import type { Decision, Observation, RecordHistory } from '../core/types.js';
import { startProbeSeries, type ProbeSeries } from '../health/run-checks.js';
import { localProbeFailure, type ProbeResult, type ProbeTarget } from '../health/types.js';

/** What one record's probes saw in this run. */
export interface Probed {
  /** Per server (in queue order), every observation of this run, oldest first. */
  observations: Observation[][];
  /** Per server, when each of its probes started (performance.now()). */
  starts: number[][];
}

export interface ProbeContext {
  now: () => Date;
  /** performance.now() after which no confirming probe may end. */
  deadline: number;
  fastIntervalCapMs?: number;
  /** What the record holds and its TTLs: the decision is settled against them. */
  current: string[] | null;
  ttl: { current?: number; wanted: number };
  /** Several checkers: the votes of this run. */
  quorum?: Quorum;
  /** The record is left alone whatever the probes say (a hold, a failed read …): no decision, no confirming probes. */
  refused: boolean;
  /** Called once, as soon as the probes still running can no longer change the decision. */
  onSettled: (decision: Decision) => void;
  /** Called instead when this machine could not probe a server before the decision was settled: the record must be left alone. */
  onLocalFailure: (message: string) => void;
}

/**
 * Probes a record's servers through their series, deciding as early as the results allow: a healthy
 * top server settles the record without waiting for black holes below it (src/core/settle.ts). A failed
 * probe of a server still counted up is confirmed (fastInterval) while the record is not settled and
 * the next probe fits the run's deadline.
 */
export async function probeRecord(record: RecordConfig, prev: RecordHistory | undefined, series: ProbeSeries[], ctx: ProbeContext): Promise<Probed> {
  const { now } = ctx;
  const observations: Observation[][] = record.servers.map(() => []);
  const starts: number[][] = record.servers.map(() => []);
  const awaiting = record.servers.map(() => true);
  let done = ctx.refused;
  const historyOf = (i: number) => foldHistory(prev?.servers[record.servers[i]!.address], observations[i]!, record, now());
  const trySettle = () => {
    if (done) return;
    const before = priorHistory(prev, record, observations, (i) => observations[i]!.length - (awaiting[i] ? 0 : 1), now());
    const known = observations.flatMap((o, i) => (awaiting[i] || o.length === 0 ? [] : [o[o.length - 1]!]));
    const pending = record.servers.filter((_, i) => awaiting[i]).map((s) => s.address);
    const failuresOf = (address: string) => {
      const i = record.servers.findIndex((s) => s.address === address);
      return failuresToSettle(before?.servers[address], record.fall, gapOf(record.servers[i]!, ctx.fastIntervalCapMs) > 0);
    };
    const settled = settledDecision(record, before, known, pending, ctx.current, now(), ctx.ttl, failuresOf, ctx.quorum);
    if (!settled) return;
    done = true;
    ctx.onSettled(settled);
  };
  trySettle();
  await Promise.all(
    record.servers.map(async (server, i) => {
      const gapMs = gapOf(server, ctx.fastIntervalCapMs);
      for (let n = 0; ; n++) {
        const r = await series[i]!.nth(n, gapMs);
        const local = localProbeFailure(r);
        if (local !== null) {
          // Not an observation: the server's history stays as it was. Undecided, the record is left alone.
          if (!done) {
            done = true;
            ctx.onLocalFailure(`this machine could not probe ${server.address} (${local}), which says nothing about the server: raise the open-file limit (ulimit -n) or lower --concurrency`);
          }
          return void (awaiting[i] = false);
        }
        observations[i]!.push({ address: server.address, healthy: r.healthy, latencyMs: r.latencyMs, ...(r.error !== undefined ? { error: r.error } : {}), ...(r.detail !== undefined ? { detail: r.detail } : {}) });
        starts[i]!.push(r.startedAt);
        awaiting[i] = gapMs > 0 && awaitsConfirmation(historyOf(i), record.fall) && performance.now() + gapMs + server.check.timeoutMs <= ctx.deadline;
        trySettle();
        if (!awaiting[i] || done) return void (awaiting[i] = false);
      }
    }),
  );
  return { observations, starts };
}

/** The gap before a confirming probe of this server; 0: none. */
export function gapOf(server: ServerConfig, capMs: number | undefined): number {
  const ms = server.fastIntervalMs ?? 0;
  return capMs !== undefined && ms > capMs ? capMs : ms;
}

/** One probe series per target; `probe` (tests) answers a list of targets at once, else each target is probed as soon as a slot is free. */
export function startProbes(targets: ProbeTarget[], probe: ((targets: ProbeTarget[]) => Promise<ProbeResult[]>) | undefined, concurrency: number): ProbeSeries[] {
  if (!probe) return startProbeSeries(targets, { concurrency });
  const startedAt = performance.now();
  const all = probe(targets);
  return targets.map((target, i) => {
    const results = [all.then((r) => ({ ...r[i]!, startedAt }))];
    const later = (gapMs: number) => sleep(gapMs).then(() => ({ startedAt: performance.now() })).then(async (t) => ({ ...(await probe([target]))[0]!, ...t }));
    return { nth: (n, gapMs) => (results[n] ??= results[n - 1]!.then(() => later(gapMs))) };
  });
}

/** The record's decision with every result of the run in: each server judged by its latest probe, after the earlier ones are counted. */
export function decideProbed(record: RecordConfig, prev: RecordHistory | undefined, probed: Probed, current: string[] | null, now: Date, opts: { currentUnknown: boolean; ttl: { current?: number; wanted: number }; quorum?: Quorum }): Decision {
  const { observations } = probed;
  const latest = observations.flatMap((o) => (o.length ? [o[o.length - 1]!] : []));
  const before = priorHistory(prev, record, observations, (i) => observations[i]!.length - 1, now);
  return decideRecord(record, before, latest, current, now, opts);
}
