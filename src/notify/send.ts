import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import type { NotifierConfig } from '../config/types.js';
import type { RecordEvent } from '../core/events.js';
import { redact } from '../../providers/kit/redact.js';
import { discordPayload, slackPayload, webhookPayload } from './payload.js';

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
  try {
    const { default: got } = await import('got'); // loaded only when there is something to send
    await got.post(n.url, {
      json,
      headers: { 'user-agent': userAgent, ...(n.type === 'webhook' ? n.headers : {}) },
      timeout: { request: n.timeoutMs },
      retry: { limit: 1, methods: ['POST'], statusCodes: [429, 500, 502, 503, 504] },
      followRedirect: false,
    });
  } catch (err) {
    const status = (err as { response?: { statusCode?: number } }).response?.statusCode;
    throw new Error(status ? `HTTP ${status}` : ((err as { code?: string }).code ?? 'request failed'));
  }
}

function runHook(argv: string[], e: RecordEvent, payload: string, timeoutMs: number): Promise<void> {
  const [cmd, ...args] = argv as [string, ...string[]];
  const env = {
    ...process.env,
    DNSFAIL_EVENT: e.kind,
    DNSFAIL_NAME: e.name,
    DNSFAIL_TYPE: e.type,
    DNSFAIL_OLD: (e.old ?? []).join(' '),
    DNSFAIL_NEW: (e.new ?? []).join(' '),
    DNSFAIL_REASON: e.reason,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      reject(new Error(`${cmd} timed out after ${timeoutMs}ms`));
    }, timeoutMs);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(err.code === 'ENOENT' ? `command not found: ${cmd}` : err.message));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} exited with ${code}${stderr.trim() ? `: ${stderr.trim().split('\n').pop()!.slice(0, 200)}` : ''}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(payload);
  });
}
