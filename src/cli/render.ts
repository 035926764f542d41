import type { ChalkInstance } from 'chalk';
import type { RecordReport, RunReport, ServerReport } from '../app/report.js';
import type { ServerView } from '../core/types.js';
import { describeServer } from '../core/select.js';

const show = (values: string[] | null) => (values === null ? '(missing)' : values.length ? values.join(', ') : '(empty)');

/** The machine report of `check --json`. */
export function reportToJson(report: RunReport): string {
  return JSON.stringify(
    {
      dryRun: report.dryRun,
      startedAt: report.startedAt,
      durationMs: report.durationMs,
      exitCode: report.exitCode,
      warnings: report.warnings,
      events: report.events.map((e) => ({ kind: e.kind, name: e.name, type: e.type, old: e.old, new: e.new, reason: e.reason })),
      records: report.records.map((r) => ({
        name: r.name,
        type: r.type,
        provider: r.provider,
        current: r.current,
        desired: r.desired,
        changed: r.changed,
        change: r.change,
        written: r.written,
        outcome: r.outcome,
        reason: r.reason,
        ttl: r.ttl,
        ...(r.error ? { error: r.error } : {}),
        ...(r.votes ? { votes: r.votes } : {}),
        ...(r.voteWritten !== undefined ? { voteWritten: r.voteWritten } : {}),
        servers: r.servers.map((s) => ({
          address: s.address,
          label: s.label ?? null,
          state: s.state,
          healthy: s.healthy,
          latencyMs: s.latencyMs,
          error: s.error ?? null,
          probes: s.probes,
          probeGapsMs: s.probeGapsMs,
          ...(s.detail ? { detail: s.detail } : {}),
          ...(s.votes ? { votes: s.votes } : {}),
        })),
      })),
    },
    null,
    2,
  );
}

export interface RenderedLine {
  stream: 'out' | 'err';
  text: string;
}

/**
 * Human output of a run. Cron-friendly: nothing for records in sync unless verbose; one line per
 * change (old → new and why); problems on stderr. A dry run shows the plan for every record: the
 * lines of a real run, with "would" where it writes.
 * `colors.c` is read only when there is something to print.
 */
export function renderRun(report: RunReport, colors: { readonly c: ChalkInstance }, verbose: boolean): RenderedLine[] {
  const lines: RenderedLine[] = report.warnings.map((w) => ({ stream: 'err', text: colors.c.yellow(`warning: ${w}`) }));
  for (const r of report.records) {
    const quiet = r.outcome === 'in-sync' && !verbose && !report.dryRun;
    // A record in sync prints nothing (the cron case): then colours, and so chalk, are not needed.
    if (quiet) continue;
    const { c } = colors;
    const head = c.bold(`${r.name} ${r.type}`);
    if (r.outcome === 'error') {
      lines.push({ stream: 'err', text: `${c.red('error')} ${head}: ${r.error}` });
    } else if (r.change === 'ttl') {
      const verb = report.dryRun ? c.cyan('would correct the TTL of') : r.written ? c.green('corrected the TTL of') : c.cyan('correct the TTL of');
      lines.push({ stream: 'out', text: `${verb} ${head}: ${r.ttl.current}s → ${c.bold(`${r.ttl.wanted}s`)} (holds ${show(r.current)})` });
    } else if (r.change !== 'none') {
      const verb = report.dryRun ? c.cyan('would change') : r.written ? c.green('changed') : c.cyan('change');
      lines.push({ stream: 'out', text: `${verb} ${head}: ${show(r.current)} → ${c.bold(show(r.desired))} (${r.reason})` });
    } else if (r.outcome === 'waiting') {
      lines.push({ stream: 'err', text: `${c.yellow('waiting')} ${head}: ${r.reason}; holds ${show(r.current)}` });
    } else if (r.outcome === 'no-quorum') {
      lines.push({ stream: 'err', text: `${c.red('no quorum')} ${head}: ${r.reason}; holds ${show(r.current)}` });
    } else if (r.outcome === 'all-down' || r.outcome === 'fallback') {
      lines.push({ stream: 'err', text: `${c.yellow('all down')} ${head}: ${r.reason}; holds ${show(r.current)}` });
    } else if (verbose || report.dryRun) {
      lines.push({ stream: 'out', text: `${c.dim('in sync')} ${head}: ${show(r.current)} (${r.reason})` });
    }
    if (verbose) for (const s of r.servers) lines.push({ stream: 'out', text: `    ${serverLine(s, c)}${confirmingText(s, c)}` });
  }
  if (report.dryRun) lines.push({ stream: 'out', text: colors.c.dim('dry run: nothing was written and the state file was not changed') });
  return lines;
}

export function serverLine(s: ServerView, c: ChalkInstance): string {
  const state = s.state === 'up' ? c.green('up     ') : s.state === 'down' ? c.red('down   ') : c.yellow('unknown');
  const probe =
    s.healthy === null ? c.dim('not probed') : s.healthy ? `ok ${s.latencyMs}ms${s.detail ? ` (${s.detail})` : ''}` : c.red(`failed: ${s.error ?? 'unhealthy'}`);
  const streak = s.failStreak ? ` (${s.failStreak} failed in a row)` : s.okStreak ? ` (${s.okStreak} ok in a row)` : '';
  const votes = s.votes ? ` [here ${s.votes.own}; votes: ${s.votes.down} down, ${s.votes.up} up]` : '';
  return `${state} ${describeServer(s)}  ${probe}${c.dim(streak + votes)}`;
}

/** How many probes a server had in the run and how far apart, when failures were confirmed (fastInterval). */
function confirmingText(s: ServerReport, c: ChalkInstance): string {
  return s.probes > 1 ? c.dim(`  [${s.probes} probes, ${s.probeGapsMs.map((ms) => `${ms} ms`).join(', ')} apart]`) : '';
}

export function recordTitle(r: Pick<RecordReport, 'name' | 'type'>, c: ChalkInstance): string {
  return c.bold(`${r.name} ${r.type}`);
}
