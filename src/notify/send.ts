import { hostname } from 'node:os';
import type { NotifierConfig } from '../config/types.js';
import type { RecordEvent } from '../core/events.js';
import { lastOutputLine, runProcess, spawnErrorReason } from '../../providers/kit/process.js';
import { redact } from '../../providers/kit/redact.js';
import { discordPayload, slackPayload, webhookPayload } from './payload.js';
import { postTo } from './post.js';

/**
 * Sends each event to each notifier that wants it, all at once. A failing notifier is reported
 * (the returned warnings) and never blocks or undoes the DNS change that caused it.
 */
export async function sendNotifications(notifiers: NotifierConfig[], events: RecordEvent[], userAgent: string, now = new Date()): Promise<string[]> {
  const jobs = notifiers.flatMap((n, i) =>
    events.filter((e) => n.events.includes(e.kind)).map(async (e) => {
      try {
        await sendOne(n, e, userAgent, now);
        return null;
      } catch (err) {
        return redact(`notify[${i}] (${n.type}) failed for ${e.name} ${e.kind}: ${(err as Error).message}`);
      }
    }),
  );
  return (await Promise.all(jobs)).filter((w): w is string => w !== null);
}

async function sendOne(n: NotifierConfig, e: RecordEvent, userAgent: string, now: Date): Promise<void> {
  const body = webhookPayload(e, now, hostname());
  if (n.type === 'exec') return runHook(n.command, e, JSON.stringify(body), n.timeoutMs);
  const json = n.type === 'slack' ? slackPayload(e) : n.type === 'discord' ? discordPayload(e) : body;
  const headers = n.type === 'webhook' ? n.headers : {};
  await postTo(n.url, { service: n.type, userAgent, timeoutMs: n.timeoutMs, allowInsecureHttp: n.allowInsecureHttp, headers, json, retries: 1 });
}

/** Runs an exec notifier: the event in DNSFAIL_* variables, the webhook body as JSON on stdin. */
async function runHook(argv: string[], e: RecordEvent, payload: string, timeoutMs: number): Promise<void> {
  const cmd = argv[0] ?? '';
  const env = {
    ...process.env,
    DNSFAIL_EVENT: e.kind,
    DNSFAIL_NAME: e.name,
    DNSFAIL_TYPE: e.type,
    DNSFAIL_OLD: (e.old ?? []).join(' '),
    DNSFAIL_NEW: (e.new ?? []).join(' '),
    DNSFAIL_REASON: e.reason,
  };
  const outcome = await runProcess(argv, { env, timeoutMs, input: payload });
  if (outcome.kind === 'spawn-error') throw new Error(outcome.code === 'ENOENT' ? `command not found: ${cmd}` : `${cmd} ${spawnErrorReason(outcome.code)}`);
  if (outcome.kind !== 'exited') throw new Error(`${cmd} timed out after ${timeoutMs}ms`);
  if (outcome.code === 0) return;
  const status = outcome.code === null ? `was killed by ${outcome.signal ?? 'a signal'}` : `exited with ${outcome.code}`;
  const detail = lastOutputLine(outcome);
  throw new Error(`${cmd} ${status}${detail ? `: ${detail}` : ''}`);
}
