import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { BUILTIN_KINDS, loadProviderFactory } from '../../providers/index.js';
import { ConfigError } from '../errors.js';
import { closest } from '../util/suggest.js';
import { interpolateEnv } from './interpolate.js';
import { resolveNotifiers, resolvePing } from './notify.js';
import { resolveRecords, type Problem } from './resolve.js';
import { buildConfigSchema, type RawConfig } from './schema.js';
import { resolveSecretFiles } from './secret-files.js';
import type { Config, ProviderConfig } from './types.js';
import { formatPath, parseConfigText, type ConfigSource } from './yaml-source.js';
import { problemsFromZod } from './zod-issues.js';

type Env = Record<string, string | undefined>;

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
  const candidates = configCandidates(env, cwd);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new ConfigError(`no config file found (looked in: ${candidates.join(', ')})`, {
      hint: 'pass --config FILE, or try `dnsfail demo` and the files in examples/',
    });
  }
  return found;
}

export async function loadConfigFile(path: string, env: Env): Promise<Config> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return buildConfig(parseConfigText(text, path), dirname(path), env);
}

/** Validates a parsed config; throws one ConfigError listing every problem with its path and line. */
export async function buildConfig(source: ConfigSource, baseDir: string, env: Env): Promise<Config> {
  const problems: Problem[] = [];
  const fail = (): never => {
    throw configErrorFrom(source, problems);
  };
  if (!source.data || typeof source.data !== 'object' || Array.isArray(source.data)) {
    problems.push({ path: [], message: 'the config must be a mapping with providers and records' });
    fail();
  }
  const { value, problems: envProblems } = interpolateEnv(source.data, env);
  problems.push(...envProblems);

  const schema = buildConfigSchema();
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    problems.push(...problemsFromZod(parsed.error, schema));
    fail();
  }
  const raw = parsed.data as RawConfig;
  const providers = await resolveProviders(raw, baseDir, problems);
  const records = resolveRecords(raw, providers, Object.keys(raw.providers as object), baseDir, problems);
  const notify = resolveNotifiers(raw, baseDir, problems);
  const ping = resolvePing(raw, baseDir, problems);
  if (problems.length) fail();
  return { source: source.name, baseDir, providers, records, notify, ...(ping ? { ping } : {}) };
}

async function resolveProviders(raw: RawConfig, baseDir: string, problems: Problem[]): Promise<Record<string, ProviderConfig>> {
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
    const withSecrets = resolveSecretFiles(block, factory.secretKeys ?? [], baseDir, ['providers', id], problems);
    const result = factory.configSchema.safeParse(withSecrets);
    if (!result.success) {
      problems.push(...problemsFromZod(result.error, factory.configSchema, ['providers', id]));
      continue;
    }
    out[id] = { id, kind: factory.kind, factory, settings: result.data };
  }
  return out;
}

function configErrorFrom(source: ConfigSource, problems: Problem[]): ConfigError {
  const seen = new Set<string>();
  const lines: string[] = [];
  let firstLine: number | undefined;
  for (const p of problems) {
    const line = source.lineOf(p.path);
    firstLine ??= line;
    const text = `${source.name}${line !== undefined ? `:${line}` : ''}: ${formatPath(p.path)}: ${p.message}`;
    if (seen.has(text)) continue;
    seen.add(text);
    lines.push(text);
  }
  const first = problems[0];
  return new ConfigError(lines.length === 1 ? lines[0]! : `${lines.length} problems in the config:\n  ${lines.join('\n  ')}`, {
    ...(first ? { path: formatPath(first.path) } : {}),
    ...(firstLine !== undefined ? { line: firstLine } : {}),
  });
}
