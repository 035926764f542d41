import { assertSafeUrl } from '../../providers/kit/url.js';
import { registerSecret } from '../../providers/kit/redact.js';
import { parseDuration } from '../../providers/kit/duration.js';
import type { Problem } from './resolve.js';
import type { RawConfig, RawNotifier, RawPing } from './schema.js';
import { resolveSecretFiles } from './secret-files.js';
import type { NotifierConfig, NotifyEvent, PingConfig } from './types.js';
import type { PathSegment } from './yaml-source.js';

const DEFAULT_EVENTS: NotifyEvent[] = ['change', 'all-down', 'recovery', 'quorum-lost'];
const DEFAULT_TIMEOUT_MS = 5000;

/** `missingFiles`: validate --offline (see resolveSecretFiles); a notifier whose urlFile is missing is checked without its URL. */
export function resolveNotifiers(raw: RawConfig, baseDir: string, problems: Problem[], missingFiles?: string[]): NotifierConfig[] {
  const list = (raw.notify ?? []) as RawNotifier[];
  const out: NotifierConfig[] = [];
  list.forEach((n, i) => {
    const at: PathSegment[] = ['notify', i];
    const before = problems.length;
    const block = resolveSecretFiles(n as Record<string, unknown>, ['url'], baseDir, at, problems, missingFiles) as RawNotifier;
    if (problems.length > before) return; // the urlFile problem says it all; "url is required" would be a second message
    const timeoutMs = block.timeout ? parseDuration(block.timeout)! : DEFAULT_TIMEOUT_MS;
    const events = block.events ?? DEFAULT_EVENTS;
    if (block.type === 'exec') {
      if (!block.command) return problems.push({ path: [...at, 'command'], message: 'an exec notifier needs command: [argv...]' });
      if (block.url || block.headers) return problems.push({ path: [...at, block.url ? 'url' : 'headers'], message: 'url and headers apply to webhook, slack and discord notifiers' });
      out.push({ type: 'exec', command: block.command, events, timeoutMs });
      return;
    }
    if (block.command) return problems.push({ path: [...at, 'command'], message: `command applies only to exec notifiers, not ${block.type}` });
    if (block.urlFile !== undefined) return; // offline: the file is missing, so there is no URL to check
    const url = checkedUrl(block.url, block.allowInsecureHttp, [...at, 'url'], problems);
    if (!url) return;
    for (const v of Object.values(block.headers ?? {})) registerSecret(v);
    out.push({ type: block.type, url, headers: block.headers ?? {}, events, timeoutMs, allowInsecureHttp: block.allowInsecureHttp ?? false });
  });
  return out;
}

export function resolvePing(raw: RawConfig, baseDir: string, problems: Problem[], missingFiles?: string[]): PingConfig | undefined {
  if (!raw.ping) return undefined;
  const before = problems.length;
  const block = resolveSecretFiles(raw.ping as Record<string, unknown>, ['url'], baseDir, ['ping'], problems, missingFiles) as RawPing;
  if (problems.length > before || block.urlFile !== undefined) return undefined;
  const url = checkedUrl(block.url, block.allowInsecureHttp, ['ping', 'url'], problems);
  if (!url) return undefined;
  return { url: url.replace(/\/+$/, ''), timeoutMs: block.timeout ? parseDuration(block.timeout)! : DEFAULT_TIMEOUT_MS, allowInsecureHttp: block.allowInsecureHttp ?? false };
}

function checkedUrl(url: string | undefined, allowInsecureHttp: boolean | undefined, path: PathSegment[], problems: Problem[]): string | undefined {
  if (!url) {
    problems.push({ path, message: 'a url (or urlFile) is required' });
    return undefined;
  }
  registerSecret(url);
  // The URL itself may carry a token: say what is wrong without echoing it.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || !URL.canParse(url)) {
    problems.push({ path, message: 'is not a URL (expected https://…)' });
    return undefined;
  }
  if (scheme !== 'http' && scheme !== 'https') {
    problems.push({ path, message: `${scheme}: URLs are not supported; use https:// (or http:// to a loopback address)` });
    return undefined;
  }
  try {
    assertSafeUrl(url, allowInsecureHttp, 'URL');
  } catch (e) {
    problems.push({ path, message: (e as Error).message.replace(url, '***').replace(/^URL: /, '') });
    return undefined;
  }
  return url;
}
