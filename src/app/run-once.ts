import { withRetry } from '../../providers/retry.js';
import type { CurrentRecord, Provider } from '../../providers/types.js';
import type { Config, RecordConfig } from '../config/types.js';
import { decideRecord } from '../core/select.js';
import { eventsOfRun } from '../core/events.js';
import type { Observation, RecordHistory } from '../core/types.js';
import { ExitCode } from '../errors.js';
import { runChecks } from '../health/run-checks.js';
import type { ProbeResult, ProbeTarget } from '../health/types.js';
import { redact } from '../log/redact.js';
import type { StateFile } from '../state/store.js';
import type { RecordReport, RunReport } from './report.js';
import { describeHold, holdApplies, holdFromError, holdKey, type Hold } from './holds.js';

export interface RunDeps {
  providers: Record<string, Provider>;
  probe?: (targets: ProbeTarget[]) => Promise<ProbeResult[]>;
  now?: () => Date;
}

export interface RunOptions {
  dryRun: boolean;
  /** Probes in flight at once. */
  concurrency?: number;
}

export const DEFAULT_CONCURRENCY = 64;

/**
 * One run: probe every server of every record concurrently, read each record, decide, and write
 * only what differs. Prints nothing; returns the report and the state to persist.
 */
export async function runOnce(config: Config, state: StateFile, deps: RunDeps, opts: RunOptions): Promise<{ report: RunReport; state: StateFile }> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const t0 = performance.now();
  const probe = deps.probe ?? ((targets) => runChecks(targets, { concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY }));

  const targets = config.records.flatMap((r) => r.servers.map((s) => ({ address: s.address, check: s.check, recordName: r.name })));
  const results = await probe(targets);
  let i = 0;
  const observationsByRecord = config.records.map((r) =>
    r.servers.map((s): Observation => {
      const res = results[i++]!;
      return { address: s.address, healthy: res.healthy, latencyMs: res.latencyMs, ...(res.error !== undefined ? { error: res.error } : {}) };
    }),
  );

  const nextRecords: Record<string, RecordHistory> = {};
  const nextHolds: Record<string, Hold> = {};
  const reports = await Promise.all(
    config.records.map(async (record, idx) => {
      const key = holdKey(record.provider, record.key);
      const settings = config.providers[record.provider]!.settings;
      const prevHold = state.holds?.[key];
      const hold = prevHold && holdApplies(prevHold, settings, now()) ? prevHold : undefined;
      const { report, history, newHold } = await settleRecord(record, state.records[record.key], observationsByRecord[idx]!, deps.providers[record.provider]!, { dryRun: opts.dryRun, now, hold, settings });
      nextRecords[record.key] = history;
      const keep = newHold ?? (report.outcome === 'error' ? hold : undefined);
      if (keep) nextHolds[key] = keep;
      return report;
    }),
  );

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

async function settleRecord(
  record: RecordConfig,
  prev: RecordHistory | undefined,
  observations: Observation[],
  provider: Provider,
  ctx: { dryRun: boolean; now: () => Date; hold: Hold | undefined; settings: unknown },
): Promise<{ report: RecordReport; history: RecordHistory; newHold?: Hold }> {
  const { dryRun, now, hold } = ctx;
  const ref = { name: record.name, type: record.type };
  const base = { name: record.name, type: record.type, provider: record.provider };
  const failed = (e: unknown, what: string) => {
    const message = `${what}: ${errorText(e)}`;
    const newHold = holdFromError(e, ctx.settings, now(), message);
    return { message: newHold ? describeHold(newHold) : message, ...(newHold ? { newHold } : {}) };
  };
  let newHold: Hold | undefined;

  let current: CurrentRecord | null;
  let readError: string | undefined;
  if (hold) {
    readError = describeHold(hold);
    current = prev?.published ? { values: prev.published } : null;
  } else if (provider.read) {
    try {
      current = await withRetry(() => provider.read!(ref));
    } catch (e) {
      const f = failed(e, 'cannot read the record');
      readError = f.message;
      newHold = f.newHold;
      current = prev?.published ? { values: prev.published } : null;
    }
  } else {
    current = prev?.published ? { values: prev.published } : null;
  }

  const decision = decideRecord(record, prev, observations, current?.values ?? null, now());
  const history: RecordHistory = { ...decision.next, lastOutcome: decision.outcome };
  const report: RecordReport = {
    ...base,
    current: current?.values ?? null,
    desired: decision.desired,
    changed: decision.changed,
    written: false,
    outcome: decision.outcome,
    reason: decision.reason,
    servers: decision.servers,
  };
  if (readError) {
    if (prev?.lastOutcome) history.lastOutcome = prev.lastOutcome;
    else delete history.lastOutcome;
    // Without knowing what the record holds, a write could undo someone else's change: skip it.
    return { report: { ...report, outcome: 'error', error: readError, changed: false }, history, ...(newHold ? { newHold } : {}) };
  }
  if (!decision.changed || !decision.desired || dryRun) {
    if (decision.desired && !decision.changed) history.published = decision.desired;
    return { report, history };
  }
  try {
    await withRetry(() => provider.write(ref, { values: decision.desired!, ttl: record.ttl, previous: current }));
  } catch (e) {
    const f = failed(e, 'write failed');
    return { report: { ...report, outcome: 'error', error: f.message }, history, ...(f.newHold ? { newHold: f.newHold } : {}) };
  }
  history.published = decision.desired;
  if (current?.values.length) history.failovers = (prev?.failovers ?? 0) + 1;
  history.lastChange = { at: now().toISOString(), from: current?.values ?? [], to: decision.desired, reason: decision.reason };
  return { report: { ...report, written: true }, history };
}

function errorText(e: unknown): string {
  return redact(e instanceof Error ? e.message : String(e));
}
