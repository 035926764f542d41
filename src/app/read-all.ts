import { withRetry } from '../../providers/kit/retry.js';
import type { CurrentRecord, Provider, RecordRef } from '../../providers/kit/types.js';

export type ReadResult = { ok: true; value: CurrentRecord | null } | { ok: false; error: unknown };

const PER_PROVIDER_CONCURRENCY = 16;

/** Reads every ref of one provider: one readMany when it has one (retried as a whole), else read() a few at a time. */
export async function readAll(p: Provider, refs: RecordRef[]): Promise<ReadResult[]> {
  if (refs.length === 0 || !p.read) return [];
  if (p.readMany && refs.length > 1) {
    try {
      const values = await withRetry(() => p.readMany!(refs));
      return values.map((v) => (v instanceof Error ? { ok: false, error: v } : { ok: true, value: v }));
    } catch (error) {
      return refs.map(() => ({ ok: false, error }));
    }
  }
  const out = new Array<ReadResult>(refs.length);
  let next = 0;
  const worker = async () => {
    while (next < refs.length) {
      const i = next++;
      try {
        out[i] = { ok: true, value: await withRetry(() => p.read!(refs[i]!)) };
      } catch (error) {
        out[i] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PER_PROVIDER_CONCURRENCY, refs.length) }, worker));
  return out;
}
