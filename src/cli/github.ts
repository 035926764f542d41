import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { RecordReport, RunReport } from '../app/report.js';
import type { ChangeKind } from '../core/plan.js';
import { eventSummary } from '../notify/payload.js';
import { redact } from '../../providers/kit/redact.js';

/** GitHub Actions mode (GITHUB_ACTIONS=true): job summary, annotations, step outputs. */

const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const show = (v: string[] | null) => (v === null ? '(missing)' : v.length ? v.join(', ') : '(empty)');

/** `::warning::` for a failover, `::error::` for all-down and failures, `::notice::` for a recovery. */
export function annotations(report: RunReport): string[] {
  return report.events.map((e) => {
    const level = e.kind === 'change' ? 'warning' : e.kind === 'recovery' ? 'notice' : 'error';
    const title = e.kind === 'change' ? 'DNS failover' : e.kind === 'recovery' ? 'DNS recovered' : e.kind === 'all-down' ? 'All servers down' : 'dnsfail failure';
    return `::${level} title=${escapeProperty(`${title}: ${e.name}`)}::${escapeData(eventSummary(e))}`;
  });
}

export function jobSummary(report: RunReport): string {
  const lines = [
    `### dnsfail ${report.dryRun ? 'dry run' : 'check'}: ${report.exitCode === 0 ? '✅ ok' : report.exitCode === 3 ? '⚠️ a record has no healthy server' : report.exitCode === 4 ? '⚠️ too few checkers voted: nothing changed' : '❌ failed'}`,
    '',
    '| record | type | was | now | result | why |',
    '|---|---|---|---|---|---|',
    ...report.records.map((r) => `| ${cell(r.name)} | ${r.type} | ${cell(show(r.current))} | ${cell(show(r.written ? r.desired : r.current))} | ${r.outcome}${whatWasDone(r, report.dryRun)} | ${cell(r.error ?? r.reason)} |`),
    '',
    '<details><summary>servers</summary>',
    '',
    '| record | # | server | state | probe |',
    '|---|---|---|---|---|',
    ...report.records.flatMap((r) =>
      r.servers.map((s, i) => `| ${cell(r.name)} | ${i + 1} | ${cell(`${s.address}${s.label ? ` (${s.label})` : ''}`)} | ${s.state} | ${s.healthy === null ? 'not probed' : s.healthy ? `ok, ${s.latencyMs} ms` : cell(`failed: ${s.error ?? ''}`)} |`),
    ),
    '',
    '</details>',
    '',
  ];
  return lines.join('\n');
}

const planned: Record<ChangeKind, string> = { create: 'would create', replace: 'would replace', ttl: 'would correct the TTL', none: '' };

/** " (written)" after a write; in a dry run, the change the plan holds. */
function whatWasDone(r: RecordReport, dryRun: boolean): string {
  if (r.written) return ' (written)';
  return dryRun && r.change !== 'none' ? ` (${planned[r.change]})` : '';
}

export function stepOutputs(report: RunReport): string {
  const delim = `dnsfail_${randomBytes(8).toString('hex')}`;
  const records = JSON.stringify(report.records.map((r) => ({ name: r.name, type: r.type, current: r.current, desired: r.desired, changed: r.changed, change: r.change, written: r.written, outcome: r.outcome })));
  return `changed=${report.records.some((r) => r.written)}\nexit-code=${report.exitCode}\nrecords<<${delim}\n${records}\n${delim}\n`;
}

/**
 * A run that ended before it had a report (a config error, a missing secret): the job still gets its
 * `exit-code` output, a summary that says what is wrong, and the annotation line for stdout.
 */
export function emitGithubError(message: string, hint: string | undefined, exitCode: number, env: Record<string, string | undefined>): string[] {
  const text = redact(hint ? `${message}\nhint: ${hint}` : message);
  const summary = ['### dnsfail: ❌ failed before any check ran', '', '```', text, '```', ''].join('\n');
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, summary);
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `changed=false\nexit-code=${exitCode}\n`);
  return [`::error title=${escapeProperty('dnsfail failed')}::${escapeData(text)}`];
}

/** Writes the summary and outputs to the files Actions names, and returns the annotation lines for stdout. */
export function emitGithub(report: RunReport, env: Record<string, string | undefined>): string[] {
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, redact(jobSummary(report)));
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, redact(stepOutputs(report)));
  return annotations(report);
}
