import type { RunReport } from '../app/report.js';
import type { RecordConfig } from '../config/types.js';
import type { RecordHistory } from '../core/types.js';

/**
 * Prometheus text exposition (format 0.0.4) of the last run: per server up/latency/failures, per
 * record the published values, last change and failovers, and the run itself. Small enough that a
 * client library would add more weight (startup time of every cron run) than it saves.
 */
export interface MetricsInput {
  records: RecordConfig[];
  history: Record<string, RecordHistory>;
  report: RunReport;
  /** Seconds since the epoch when the run finished. */
  finishedAt: number;
  /** watch only: runs since start. */
  runsTotal?: number;
}

export function renderMetrics(m: MetricsInput): string {
  const out: string[] = [];
  const family = (name: string, type: 'gauge' | 'counter', help: string, samples: Array<[Record<string, string>, number]>) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}${labelText(labels)} ${formatValue(value)}`);
  };
  const servers = m.records.flatMap((r) => r.servers.map((s) => ({ r, s, h: m.history[r.key]?.servers[s.address] })));
  const sl = (r: Pick<RecordConfig, 'name' | 'type'>, address: string, label?: string) => ({ record: r.name, type: r.type, address, label: label ?? '' });

  family('dnsfail_server_up', 'gauge', 'Server state after fall/rise: 1 up, 0 down, -1 unknown.', servers.map(({ r, s, h }) => [sl(r, s.address, s.label), h?.state === 'up' ? 1 : h?.state === 'down' ? 0 : -1]));
  family('dnsfail_server_probe_latency_seconds', 'gauge', 'Duration of the last probe.', servers.filter(({ h }) => h?.lastLatencyMs !== undefined).map(({ r, s, h }) => [sl(r, s.address, s.label), h!.lastLatencyMs! / 1000]));
  family('dnsfail_server_consecutive_failures', 'gauge', 'Failed probes in a row.', servers.map(({ r, s, h }) => [sl(r, s.address, s.label), h?.failStreak ?? 0]));
  const probed = m.report.records.flatMap((r) => r.servers.map((s) => ({ r, s })));
  family('dnsfail_server_probes_last_run', 'gauge', 'Probes of the server in the last run: more than 1 when a failure was confirmed (fastInterval).', probed.map(({ r, s }) => [sl(r, s.address, s.label), s.probes]));
  family('dnsfail_server_probe_gap_seconds', 'gauge', 'Longest gap between the starts of two probes of the server in the last run (confirming probes only).', probed.filter(({ s }) => s.probeGapsMs.length).map(({ r, s }) => [sl(r, s.address, s.label), Math.max(...s.probeGapsMs) / 1000]));
  family('dnsfail_record_published_info', 'gauge', 'The values the record holds, one sample per value.', m.records.flatMap((r) => (m.history[r.key]?.published ?? []).map((v): [Record<string, string>, number] => [{ record: r.name, type: r.type, value: v }, 1])));
  family('dnsfail_record_last_change_timestamp_seconds', 'gauge', 'When dnsfail last wrote the record.', m.records.filter((r) => m.history[r.key]?.lastChange).map((r) => [{ record: r.name, type: r.type }, Date.parse(m.history[r.key]!.lastChange!.at) / 1000]));
  family('dnsfail_record_failovers_total', 'counter', 'Writes that replaced a published value.', m.records.map((r) => [{ record: r.name, type: r.type }, m.history[r.key]?.failovers ?? 0]));
  const byRecord = new Map(m.report.records.map((x) => [`${x.name}/${x.type}`, x]));
  family('dnsfail_record_healthy', 'gauge', '1 when the record points at an up server, 0 when no server is up or the run failed for it.', m.records.map((r) => {
    const o = byRecord.get(r.key)?.outcome;
    return [{ record: r.name, type: r.type }, o === 'in-sync' || o === 'change' || o === 'ttl' ? 1 : 0];
  }));
  const votes = m.report.records.flatMap((r) => (r.votes ?? []).map((v) => ({ r, v })));
  if (votes.length) {
    const vl = (r: Pick<RecordConfig, 'name' | 'type'>, peer: string) => ({ record: r.name, type: r.type, vantage: peer });
    family('dnsfail_vote_counted', 'gauge', "Several checkers: 1 when the peer's vote counted in the last run (fresh, well-formed, same server queue).", votes.map(({ r, v }) => [vl(r, v.id), v.counted ? 1 : 0]));
    family('dnsfail_vote_age_seconds', 'gauge', "Several checkers: the age of the peer's vote when the last run read it.", votes.filter(({ v }) => v.ageS !== undefined).map(({ r, v }) => [vl(r, v.id), v.ageS!]));
  }
  family('dnsfail_last_run_timestamp_seconds', 'gauge', 'When the last run finished.', [[{}, m.finishedAt]]);
  family('dnsfail_last_run_duration_seconds', 'gauge', 'How long the last run took.', [[{}, m.report.durationMs / 1000]]);
  family('dnsfail_last_run_exit_code', 'gauge', 'Exit code of the last run (0 ok, 1 failure, 3 a record has no healthy server, 4 no quorum of several checkers).', [[{}, m.report.exitCode]]);
  if (m.runsTotal !== undefined) family('dnsfail_runs_total', 'counter', 'Runs since the watch started.', [[{}, m.runsTotal]]);
  return `${out.join('\n')}\n`;
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function formatValue(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
}
