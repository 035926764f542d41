import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { BUILTIN_KINDS, loadProviderFactory } from '../../providers/index.js';
import { ConfigError, fileErrorFix, fileErrorReason } from '../errors.js';
import { redact } from '../../providers/kit/redact.js';
import { closest } from '../util/suggest.js';
import { interpolateEnv } from './interpolate.js';
import { exposedSecretWarning, literalSecretPaths } from './literal-secrets.js';
import { resolveNotifiers, resolvePing } from './notify.js';
import { resolveRecords, type Problem } from './resolve.js';
import { resolveVantage } from './vantage.js';
import { buildConfigSchema, type RawConfig } from './schema.js';
import { atSecretFile, resolveSecretFiles } from './secret-files.js';
import type { Config, ProviderConfig } from './types.js';
import { decodeConfigBytes, formatPath, parseConfigText, type ConfigSource, type PathSegment } from './yaml-source.js';
import { parseChecked, wrongKindFromEnv } from './zod-issues.js';

type Env = Record<string, string | undefined>;

/** A config file larger than this (some 200 records) gets a heap sized for memory rather than speed (see util/heap.ts). */
export const LARGE_CONFIG_BYTES = 32 * 1024;

/** Where a config is looked for, in order. */
export function configCandidates(env: Env, cwd: string): string[] {
  const home = env.HOME ?? '';
  const xdg = env.XDG_CONFIG_HOME || (home ? join(home, '.config') : '');
  return [
    ...(env.DNSFAIL_CONFIG ? [resolvePath(cwd, env.DNSFAIL_CONFIG)] : []),
    join(cwd, 'dnsfail.yaml'),
    join(cwd, 'dnsfail.yml'),
    join(cwd, 'dnsfail.json'),
    ...(xdg ? [join(xdg, 'dnsfail', 'config.yaml')] : []),
    '/etc/dnsfail/config.yaml',
  ];
}

export function findConfigFile(explicit: string | undefined, env: Env, cwd: string): string {
  if (explicit !== undefined) {
    const p = resolvePath(cwd, explicit);
    if (!existsSync(p)) throw new ConfigError(`config file not found: ${explicit}`);
    return p;
  }
  if (env.DNSFAIL_CONFIG && !existsSync(resolvePath(cwd, env.DNSFAIL_CONFIG))) {
    // Named on purpose: falling through to ./dnsfail.yaml or /etc would run some other config.
    throw new ConfigError(`config file not found: ${env.DNSFAIL_CONFIG} (from $DNSFAIL_CONFIG)`);
  }
  const candidates = configCandidates(env, cwd);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new ConfigError(`no config file found (looked in: ${candidates.join(', ')})`, {
      hint: 'pass --config FILE, or try `dnsfail demo` and the files in examples/',
    });
  }
  return found;
}

export interface LoadOptions {
  /**
   * validate --offline (a pull request's CI, without the secrets): an unset ${VAR} and a missing secret
   * file are listed in `unchecked` instead of refused; everything else is checked. Such a config is
   * for checking only, never for a run.
   */
  offline?: boolean;
}

export async function loadConfigFile(path: string, env: Env, opts: LoadOptions = {}): Promise<Config> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const reason = fileErrorReason(e) ?? (e as Error).message;
    const fix = fileErrorFix(e, (e as NodeJS.ErrnoException).code === 'EISDIR' ? 'pass the file itself: --config FILE' : 'pass --config FILE with a file this user can read');
    throw new ConfigError(`cannot read config ${path}: ${reason}; ${fix}`);
  }
  // Imported only then: loading node:v8 alone would cost a small cron run 4 ms.
  if (bytes.length > LARGE_CONFIG_BYTES) (await import('../util/heap.js')).tuneHeapForLargeConfig();
  const source = parseConfigText(decodeConfigBytes(bytes, path), path);
  const config = await buildConfig(source, dirname(path), env, opts);
  let mode = 0;
  try {
    mode = statSync(path).mode;
  } catch {
    // Gone since it was read (an editor's rename): the config is loaded; there is nothing to warn about.
  }
  const warning = exposedSecretWarning(path, mode, literalSecretPaths(source.data, config.providers));
  return warning ? { ...config, warnings: [warning] } : config;
}

/** Validates a parsed config; throws one ConfigError listing every problem with its path and line. */
export async function buildConfig(source: ConfigSource, baseDir: string, env: Env, opts: LoadOptions = {}): Promise<Config> {
  const problems: Problem[] = [];
  let envProblems: Problem[] = [];
  // Offline, an unset variable and what its placeholder is not are no problems; unless nothing else can be said.
  const reported = () =>
    opts.offline
      ? problems.filter((p) => !envProblems.includes(p) && (wrongKindFromEnv(p) || !envProblems.some((e) => startsWith(p.path, e.path))))
      : withoutEchoes(problems, envProblems);
  const fail = (): never => {
    throw configErrorFrom(source, reported().length ? reported() : withoutEchoes(problems, envProblems));
  };
  const unchecked: string[] = [];
  if (!source.data || typeof source.data !== 'object' || Array.isArray(source.data)) {
    problems.push({ path: [], message: `the config is ${kindOf(source.data)}; it must be a mapping with providers and records` });
    fail();
  }
  const { value, problems: fromEnv, interpolated } = interpolateEnv(source.data, env);
  envProblems = fromEnv;
  problems.push(...envProblems);
  const offline = opts.offline ? { unknown: envProblems.map((p) => p.path), missingFiles: unchecked } : undefined;
  if (offline) unchecked.push(...envProblems.map((p) => `${formatPath(p.path)}: ${p.message}`));

  const schema = buildConfigSchema();
  const parsed = parseChecked(schema, value, [], offline?.unknown);
  if (parsed.problems.length || parsed.data === undefined) {
    problems.push(...explainInterpolated(parsed.problems, interpolated));
    fail();
  }
  const raw = parsed.data as RawConfig;
  const providers = await resolveProviders(raw, baseDir, problems, offline);
  const records = resolveRecords(raw, providers, Object.keys(raw.providers as object), baseDir, problems);
  const notify = resolveNotifiers(raw, baseDir, problems, offline?.missingFiles);
  const ping = resolvePing(raw, baseDir, problems, offline?.missingFiles);
  const vantage = resolveVantage(raw, providers, records, problems);
  if (reported().length) fail();
  return { source: source.name, baseDir, providers, records, notify, ...(ping ? { ping } : {}), ...(vantage ? { vantage } : {}), ...(offline ? { unchecked } : {}), ...(raw.state ? { statePath: resolvePath(baseDir, raw.state) } : {}) };
}

function kindOf(data: unknown): string {
  if (data === null || data === undefined) return 'empty';
  if (Array.isArray(data)) return 'a list';
  return `a single ${typeof data} value`;
}

const startsWith = (path: readonly PathSegment[], prefix: readonly PathSegment[]) => prefix.every((seg, i) => path[i] === seg);

/** A value with an unset ${VAR} is reported once, for the variable, not again for what the placeholder is not. */
function withoutEchoes(problems: Problem[], envProblems: Problem[]): Problem[] {
  return problems.filter((p) => envProblems.includes(p) || !envProblems.some((e) => startsWith(p.path, e.path)));
}

/** `port: ${PORT}` gives the string "8080": say so, since the file looks right. */
function explainInterpolated(problems: Problem[], interpolated: PathSegment[][]): Problem[] {
  return problems.map((p) =>
    wrongKindFromEnv(p) && interpolated.some((i) => i.length === p.path.length && startsWith(p.path, i))
      ? { ...p, message: `${p.message} (a \${VAR} reference always gives a string; write this value in the file)` }
      : p,
  );
}

async function resolveProviders(
  raw: RawConfig,
  baseDir: string,
  problems: Problem[],
  offline?: { unknown: PathSegment[][]; missingFiles: string[] },
): Promise<Record<string, ProviderConfig>> {
  const out: Record<string, ProviderConfig> = {};
  const blocks = raw.providers as Record<string, Record<string, unknown> & { type: string }>;
  for (const [id, block] of Object.entries(blocks)) {
    const found = await loadProviderFactory(block.type, baseDir);
    if ('error' in found) {
      const guess = found.unknown ? closest(block.type, BUILTIN_KINDS) : undefined;
      const more = found.unknown ? `; built-in types: ${BUILTIN_KINDS.join(', ')}; or a module path (./provider.js) or an installed dnsfail-provider-${block.type} package` : '';
      problems.push({ path: ['providers', id, 'type'], message: `${found.error}${guess ? ` (did you mean "${guess}"?)` : ''}${more}` });
      continue;
    }
    const { factory } = found;
    const withSecrets = resolveSecretFiles(block, factory.secretKeys ?? [], baseDir, ['providers', id], problems, offline?.missingFiles);
    const result = parseChecked(factory.configSchema, withSecrets, ['providers', id], offline?.unknown);
    if (result.problems.length) {
      problems.push(...result.problems.map((p) => atSecretFile(p, block, factory.secretKeys ?? [], ['providers', id])));
      continue;
    }
    // Offline, a block checked only in part (values not known here) still says what the provider can do.
    out[id] = { id, kind: factory.kind, factory, settings: result.data ?? withSecrets };
  }
  return out;
}

function configErrorFrom(source: ConfigSource, problems: Problem[]): ConfigError {
  const located = problems.map((p, i) => ({ ...p, line: source.lineOf(p.path), i }));
  // In file order, so the list reads top to bottom; problems without a line keep their place at the end.
  located.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || a.i - b.i);
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const p of located) {
    // Secrets are registered while loading; a message must not carry one even if a value was echoed.
    const text = redact(`${source.name}${p.line !== undefined ? `:${p.line}` : ''}: ${formatPath(p.path)}: ${p.message}`);
    if (seen.has(text)) continue;
    seen.add(text);
    lines.push(text);
  }
  const first = located[0];
  return new ConfigError(lines.length === 1 ? lines[0]! : `${lines.length} problems in the config:\n  ${lines.join('\n  ')}`, {
    ...(first ? { path: formatPath(first.path) } : {}),
    ...(first?.line !== undefined ? { line: first.line } : {}),
  });
}
