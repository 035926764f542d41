import { withRetry } from '../../providers/kit/retry.js';
import type { ItemResult, Provider, WriteItem } from '../../providers/kit/types.js';
import { ProviderError } from '../../providers/kit/errors.js';

/**
 * Collects one provider's writes of a run and sends them together: with writeMany, API calls grow
 * with zones, not records. It flushes when every record of the provider has either submitted a
 * write or said it needs none, or when the first queued write has waited `windowMs` (so a record
 * held up by a slow probe does not hold back the others).
 */
export class WriteBatcher {
  private queue: Array<{ item: WriteItem; resolve: (r: ItemResult) => void }> = [];
  private remaining: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly provider: Provider,
    expected: number,
    private readonly windowMs: number,
  ) {
    this.remaining = expected;
  }

  submit(item: WriteItem): Promise<ItemResult> {
    return new Promise((resolve) => {
      this.queue.push({ item, resolve });
      this.remaining--;
      this.schedule();
    });
  }

  /** A record of this provider that will not write in this run. */
  skip(): void {
    this.remaining--;
    this.schedule();
  }

  private schedule(): void {
    if (this.queue.length === 0) return;
    if (this.remaining <= 0) return void this.flush();
    this.timer ??= setTimeout(() => void this.flush(), this.windowMs);
  }

  private async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const results = await writeAll(this.provider, batch.map((b) => b.item));
    batch.forEach((b, i) => b.resolve(results[i]!));
  }
}

const retryable = (e: unknown) => e instanceof ProviderError && (e.kind === 'transient' || e.kind === 'rate-limited');

/** writeMany when the provider has it (the whole batch retried on a transport failure, single retryable items again one by one), else write per item. */
export async function writeAll(p: Provider, items: WriteItem[]): Promise<ItemResult[]> {
  const one = async (it: WriteItem): Promise<ItemResult> => {
    try {
      await withRetry(() => p.write(it.ref, it.req));
      return { ok: true };
    } catch (error) {
      return { ok: false, error };
    }
  };
  if (!p.writeMany || items.length === 1) return Promise.all(items.map(one));
  let results: ItemResult[];
  try {
    results = await withRetry(() => p.writeMany!(items));
  } catch (error) {
    return items.map(() => ({ ok: false, error }));
  }
  return Promise.all(results.map((r, i) => (r.ok || !retryable(r.error) ? r : one(items[i]!))));
}
