import type { Provider, ProviderContext } from '../../providers/kit/types.js';
import type { Config } from '../config/types.js';

import { USER_AGENT } from '../version.js';

export { USER_AGENT };

/** One provider instance per config entry that some record uses, and the one keeping the votes of several checkers. */
export function createProviders(config: Config, warn?: (message: string) => void): Record<string, Provider> {
  const ctx: ProviderContext = { userAgent: USER_AGENT, baseDir: config.baseDir, ...(warn ? { warn } : {}) };
  const out: Record<string, Provider> = {};
  const store = config.vantage?.store;
  for (const id of new Set([...config.records.map((r) => r.provider), ...(store ? [store] : [])])) {
    const p = config.providers[id]!;
    out[id] = p.factory.create(p.settings, ctx);
  }
  return out;
}

export async function closeProviders(providers: Record<string, Provider>): Promise<void> {
  await Promise.allSettled(Object.values(providers).map((p) => p.close?.()));
}
