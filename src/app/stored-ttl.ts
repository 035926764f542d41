import type { Config, RecordConfig } from '../config/types.js';

/** The TTL "in sync" means: the config's, after what the provider's service does to it (Cloudflare's 60 s minimum). */
export function storedTtl(config: Config, record: RecordConfig): number {
  const p = config.providers[record.provider]!;
  return p.factory.storedTtl ? p.factory.storedTtl(record.ttl, p.settings) : record.ttl;
}

/** For validate and doctor: a line when the provider stores another TTL than the config asks for. */
export function clampedTtlNote(config: Config, record: RecordConfig): string | null {
  const stored = storedTtl(config, record);
  if (stored === record.ttl) return null;
  const kind = config.providers[record.provider]!.kind;
  return `${record.name} ${record.type}: ttl ${record.ttl} is stored as ${stored} by ${kind}, so ${stored} is what "in sync" means (set ttl: ${stored} to say so)`;
}
