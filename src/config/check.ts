import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { quote } from './quote.js';
import { isHostName } from '../../providers/kit/dns-name.js';
import type { BodyMatch, CheckSpec } from '../health/types.js';
import { parseDuration } from '../../providers/kit/duration.js';
import type { RawCheck } from './schema.js';

export const DEFAULT_TIMEOUT_MS = 2000;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const MAX_TIMEOUT_MS = 5 * 60_000;

const HTTP_ONLY = ['path', 'host', 'method', 'headers', 'expectStatus', 'expectBody', 'maxBodyBytes', 'insecure', 'caFile'] as const;

/** A more specific check adjusts the inherited one, or replaces it when it names another type. */
export function mergeChecks(base: RawCheck | undefined, over: RawCheck | undefined): RawCheck | undefined {
  if (!over) return base;
  if (!base) return over;
  if (over.type && base.type && over.type !== base.type) return over;
  return { ...base, ...over };
}

export interface CheckProblem {
  /** Key inside the check object the problem is about, if any. */
  key?: string;
  message: string;
}

/** Applies defaults and checks that the keys fit the type. `host` is the default Host/SNI name. */
export function finalizeCheck(raw: RawCheck | undefined, host: string, baseDir: string): CheckSpec | CheckProblem {
  const c: RawCheck = raw ?? {};
  const type = c.type ?? 'http';
  const timeoutMs = c.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(c.timeout);
  if (timeoutMs === null || timeoutMs <= 0) return { key: 'timeout', message: 'timeout must be greater than 0' };
  if (timeoutMs > MAX_TIMEOUT_MS) return { key: 'timeout', message: 'timeout must be at most 5m' };

  if (type === 'tcp' || type === 'command') {
    const stray = HTTP_ONLY.find((k) => c[k] !== undefined);
    if (stray) return { key: stray, message: `${stray} applies only to http/https checks, not ${type}` };
  }
  if (type !== 'command' && c.command !== undefined) {
    return { key: 'command', message: `command applies only to command checks, not ${type}` };
  }
  if (type === 'tcp') {
    if (c.port === undefined) return { key: 'port', message: 'a tcp check needs a port' };
    return { type, port: c.port, timeoutMs };
  }
  if (type === 'command') {
    if (!c.command) return { key: 'command', message: 'a command check needs command: [argv...]' };
    if (c.port !== undefined) return { key: 'port', message: 'port does not apply to command checks' };
    return { type, command: c.command, timeoutMs };
  }
  const expectStatus = parseStatusRanges(c.expectStatus ?? '200-399');
  if (typeof expectStatus === 'string') return { key: 'expectStatus', message: expectStatus };
  let expectBody: BodyMatch | undefined;
  if (c.expectBody !== undefined) {
    const body = parseBodyMatch(c.expectBody);
    if (typeof body === 'string') return { key: 'expectBody', message: body };
    expectBody = body;
  }
  if (type === 'http' && (c.insecure !== undefined || c.caFile !== undefined)) {
    return { key: c.insecure !== undefined ? 'insecure' : 'caFile', message: 'insecure and caFile apply only to https checks' };
  }
  if (c.host !== undefined && !isHostName(c.host)) {
    return { key: 'host', message: `${quote(c.host)} is not a host name (letters, digits, hyphens and dots, e.g. www.example.com) or an IP address` };
  }
  const caFile = c.caFile === undefined ? undefined : checkCaFile(c.caFile, baseDir);
  if (typeof caFile === 'object') return caFile;
  return {
    type,
    port: c.port ?? (type === 'https' ? 443 : 80),
    path: c.path ?? '/',
    host: c.host ?? host,
    method: c.method ?? 'GET',
    headers: c.headers ?? {},
    timeoutMs,
    expectStatus,
    ...(expectBody ? { expectBody } : {}),
    maxBodyBytes: c.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    insecure: c.insecure ?? false,
    ...(caFile !== undefined ? { caFile } : {}),
  };
}

/** A caFile that cannot be read would fail every probe as "down": refuse it now instead. */
function checkCaFile(file: string, baseDir: string): string | CheckProblem {
  const path = resolvePath(baseDir, file);
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (e) {
    return { key: 'caFile', message: `cannot read ${quote(file)} (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) return { key: 'caFile', message: `${quote(file)} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` };
  return path;
}

/** 200 | "200-299" | "200, 301-302" | [..] → inclusive ranges, or an error message. */
export function parseStatusRanges(spec: number | string | Array<number | string>): Array<[number, number]> | string {
  const parts = (Array.isArray(spec) ? spec : [spec]).flatMap((p) => String(p).split(','));
  const ranges: Array<[number, number]> = [];
  for (const part of parts) {
    const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(part);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || lo < 100 || hi > 599 || lo > hi) {
      return `${quote(part.trim())} is not a status code or range (100-599, e.g. 200 or "200-299")`;
    }
    ranges.push([lo, hi]);
  }
  return ranges;
}

/** "text" → substring; "/re/flags" → regex (compiled here so a bad one fails at load time). */
export function parseBodyMatch(text: string): BodyMatch | string {
  const m = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (!m) return { kind: 'substring', text };
  const [, source = '', flags = ''] = m;
  try {
    new RegExp(source, flags);
  } catch (e) {
    return `the regex ${quote(text)} does not compile: ${(e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')}`;
  }
  return { kind: 'regex', source, flags };
}
