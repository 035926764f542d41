import type { RecordEvent } from '../core/events.js';

const show = (v: string[] | null) => (v && v.length ? v.join(', ') : '(none)');

const TITLE: Record<RecordEvent['kind'], string> = {
  change: 'DNS failover',
  'all-down': 'All servers down',
  recovery: 'Recovered',
  error: 'dnsfail error',
  'quorum-lost': 'Checkers lost their quorum',
};

export function eventSummary(e: RecordEvent): string {
  if (e.kind === 'change') return `${e.name} ${e.type}: ${show(e.old)} → ${show(e.new)} (${e.reason})`;
  if (e.kind === 'all-down') return `${e.name} ${e.type}: no server is up; the record holds ${show(e.new)} (${e.reason})`;
  if (e.kind === 'quorum-lost') return `${e.name} ${e.type}: too few checkers have voted lately to decide; nothing is changed, the record holds ${show(e.new)} (${e.reason})`;
  if (e.kind === 'recovery') return `${e.name} ${e.type}: a server is up again; the record holds ${show(e.new)} (${e.reason})`;
  return `${e.name} ${e.type}: ${e.reason}`;
}

/** The generic webhook body: everything a receiver needs, as JSON. */
export function webhookPayload(e: RecordEvent, at: Date, host: string) {
  return {
    event: e.kind,
    record: e.name,
    type: e.type,
    old: e.old,
    new: e.new,
    reason: e.reason,
    summary: eventSummary(e),
    at: at.toISOString(),
    host,
    servers: e.servers.map((s) => ({ address: s.address, label: s.label ?? null, state: s.state, healthy: s.healthy, latencyMs: s.latencyMs, error: s.error ?? null })),
  };
}

const serverLines = (e: RecordEvent) =>
  e.servers.map((s, i) => `${i + 1}. ${s.address}${s.label ? ` (${s.label})` : ''}: ${s.state}${s.error ? `, ${s.error}` : ''}`).join('\n');

/** Slack incoming webhook: `text` is the fallback, blocks the rich form. */
export function slackPayload(e: RecordEvent) {
  return {
    text: `${TITLE[e.kind]}: ${eventSummary(e)}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${TITLE[e.kind]}*: ${eventSummary(e)}` } },
      { type: 'section', text: { type: 'mrkdwn', text: '```' + serverLines(e) + '```' } },
    ],
  };
}

/** Discord webhook: content plus one embed (content ≤ 2000 characters). */
export function discordPayload(e: RecordEvent) {
  const color = e.kind === 'change' ? 0xf0ad4e : e.kind === 'recovery' ? 0x5cb85c : 0xd9534f;
  return {
    content: `**${TITLE[e.kind]}**: ${eventSummary(e)}`.slice(0, 2000),
    embeds: [{ title: `${e.name} ${e.type}`, description: serverLines(e).slice(0, 4000), color }],
  };
}
