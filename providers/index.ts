import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { asProviderError } from './kit/errors.js';
import type { Provider, ProviderFactory } from './kit/types.js';

type Loader = () => Promise<{ default: ProviderFactory<any> }>;

/**
 * The explicit registry: kind → its folder's factory. Each kind is imported only when a config uses
 * it, so a run loads just its own providers (and a bundler can split them into separate chunks).
 */
const BUILTIN: Record<string, Loader> = {
  zonefile: () => import('./zonefile/index.js'),
  dyndns2: () => import('./dyndns2/index.js'),
  cloudflare: () => import('./cloudflare/index.js'),
  route53: () => import('./route53/index.js'),
  powerdns: () => import('./powerdns/index.js'),
  rfc2136: () => import('./rfc2136/index.js'),
  exec: () => import('./exec/index.js'),
  desec: () => import('./desec/index.js'),
  hetzner: () => import('./hetzner/index.js'),
  azure: () => import('./azure/index.js'),
  googleclouddns: () => import('./googleclouddns/index.js'),
  ovh: () => import('./ovh/index.js'),
  digitalocean: () => import('./digitalocean/index.js'),
  linode: () => import('./linode/index.js'),
  gandi: () => import('./gandi/index.js'),
};

export const BUILTIN_KINDS = Object.keys(BUILTIN);

export type FactoryLookup = { factory: ProviderFactory<any> } | { error: string; unknown?: boolean };

/**
 * `type` is a built-in kind, a path to a module (./x.js, ../x.js, /abs/x.js; relative to the
 * config's directory), or the name of an installed package `dnsfail-provider-<type>`.
 */
export async function loadProviderFactory(type: string, baseDir = process.cwd()): Promise<FactoryLookup> {
  const builtin = BUILTIN[type];
  if (builtin) return { factory: (await builtin()).default };
  const isPath = type.startsWith('./') || type.startsWith('../') || isAbsolute(type);
  if (!isPath && !/^[a-z0-9][a-z0-9._-]*$/.test(type)) return { error: `unknown provider type "${type}"`, unknown: true };
  let url: string;
  if (isPath) {
    url = pathToFileURL(resolvePath(baseDir, type)).href;
  } else {
    const pkg = `dnsfail-provider-${type}`;
    const resolved = [join(baseDir, 'noop.js'), import.meta.filename]
      .map((from) => {
        try {
          return createRequire(from).resolve(pkg);
        } catch {
          return undefined;
        }
      })
      .find(Boolean);
    if (!resolved) return { error: `unknown provider type "${type}"`, unknown: true };
    url = pathToFileURL(resolved).href;
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(url)) as { default?: unknown };
  } catch (e) {
    if (!existsSync(fileURLToPath(url))) return { error: `provider module ${type} not found` };
    // The module is there; something it imports is not. The kit most often: dnsfail/provider.
    const needsKit = (e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && /'dnsfail'/.test((e as Error).message);
    const hint = needsKit ? ' (it imports dnsfail/provider: install dnsfail where it can find it, e.g. npm install dnsfail in its directory; see providers/README.md)' : '';
    return { error: `provider module ${type} failed to load: ${(e as Error).message.split('\n')[0]}${hint}` };
  }
  const missing = missingFactoryParts(mod.default);
  if (missing.length) return { error: `${type} does not default-export a dnsfail provider (missing: ${missing.join(', ')}); see providers/README.md` };
  return { factory: adoptErrors(mod.default as ProviderFactory<any>) };
}

function missingFactoryParts(f: unknown): string[] {
  if (!f || typeof f !== 'object') return ['a default export'];
  const o = f as Record<string, unknown>;
  const missing: string[] = [];
  if (typeof o.kind !== 'string') missing.push('kind');
  if (!o.capabilities || typeof o.capabilities !== 'object') missing.push('capabilities');
  if (typeof (o.configSchema as { safeParse?: unknown } | undefined)?.safeParse !== 'function') missing.push('configSchema.safeParse');
  if (typeof o.create !== 'function') missing.push('create');
  return missing;
}

export async function builtinProviderFactories(): Promise<ProviderFactory<any>[]> {
  const all = await Promise.all(
    BUILTIN_KINDS.map(async (k) => {
      try {
        return await loadProviderFactory(k);
      } catch {
        return { error: k };
      }
    }),
  );
  return all.flatMap((r) => ('factory' in r ? [r.factory] : []));
}

/**
 * Third-party errors carry `kind` on an Error (or are the ProviderError of their own copy of the kit,
 * dnsfail/provider, which is another class); the engine acts only on this ProviderError. Thrown
 * errors, readMany's errors and writeMany's failed items are all adopted.
 */
function adoptErrors(f: ProviderFactory<any>): ProviderFactory<any> {
  return {
    ...f,
    create(config, ctx) {
      let p: Provider;
      try {
        p = f.create(config, ctx);
      } catch (e) {
        throw asProviderError(e);
      }
      const typed = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
        try {
          return await fn(...a);
        } catch (e) {
          throw asProviderError(e);
        }
      };
      const out: Provider = { write: typed(p.write.bind(p)) };
      if (p.read) out.read = typed(p.read.bind(p));
      if (p.checkWrite) out.checkWrite = typed(p.checkWrite.bind(p));
      if (p.readMany) {
        const readMany = typed(p.readMany.bind(p));
        out.readMany = async (refs) => (await readMany(refs)).map((r) => (r instanceof Error ? (asProviderError(r) as Error) : r));
      }
      if (p.writeMany) {
        const writeMany = typed(p.writeMany.bind(p));
        out.writeMany = async (items) => (await writeMany(items)).map((r) => (r.ok ? r : { ok: false, error: asProviderError(r.error) }));
      }
      if (p.close) out.close = p.close.bind(p);
      return out;
    },
  };
}
