import type { ProviderFactory } from './types.js';

/**
 * The explicit registry of built-in kinds. Each lives in providers/<kind>/index.ts and default-exports
 * its factory; a kind is imported only when a config uses it, so a run loads just its own providers.
 */
export const BUILTIN_KINDS = ['zonefile', 'dyndns2', 'cloudflare', 'route53', 'powerdns', 'rfc2136', 'exec'] as const;

export async function loadProviderFactory(kind: string): Promise<ProviderFactory<any> | undefined> {
  if (!(BUILTIN_KINDS as readonly string[]).includes(kind)) return undefined;
  try {
    const mod = (await import(`./${kind}/index.js`)) as { default: ProviderFactory<any> };
    return mod.default;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw e;
  }
}

export async function builtinProviderFactories(): Promise<ProviderFactory<any>[]> {
  const all = await Promise.all(BUILTIN_KINDS.map((k) => loadProviderFactory(k)));
  return all.filter((f): f is ProviderFactory<any> => f !== undefined);
}
