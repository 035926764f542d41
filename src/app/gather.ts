import type { CurrentRecord, Provider } from '../../providers/kit/types.js';
import type { Config, RecordConfig } from '../config/types.js';
import type { RecordHistory } from '../core/types.js';
import type { StateFile } from '../state/store.js';
import { describeHold, holdApplies, holdKey, refusalOf, type Hold, type Refusal } from './holds.js';
import { readAll, type ReadResult } from './read-all.js';

/** What a run knows of one record before deciding: what it holds, its TTLs, or why it is left alone. */
export interface Gathered {
  /** The value read in this run; without a read (write-only provider, or left alone), what the state file says was published. */
  current: CurrentRecord | null;
  /** Nothing can be known of the record: the provider cannot be read and the state file has nothing yet. */
  unknown: boolean;
  /** The TTL the record should have (after the provider's clamping) and, where the provider tells it, the one it has. */
  ttl: { current?: number; wanted: number };
  refusal?: Refusal;
}

/** Per record, the hold still in force for its provider (a lockout or backoff of an earlier run), if any. */
export function holdsInForce(config: Config, state: StateFile, now: Date): Array<Hold | undefined> {
  return config.records.map((r) => {
    const hold = state.holds?.[holdKey(r.provider, r.key)];
    return hold && holdApplies(hold, config.providers[r.provider]!.settings, now) ? hold : undefined;
  });
}

/** One promise per record: the read result, batched per provider; null when not read (held, or the provider cannot read). */
export function readRecords(config: Config, providers: Record<string, Provider>, holds: Array<Hold | undefined>): Array<Promise<ReadResult | null>> {
  const out = new Array<Promise<ReadResult | null>>(config.records.length);
  for (const id of new Set(config.records.map((r) => r.provider))) {
    if (!providers[id]!.read) continue; // write-only: what is published comes from the state file
    const idx = config.records.map((r, i) => (r.provider === id && !holds[i] ? i : -1)).filter((i) => i >= 0);
    const all = readAll(providers[id]!, idx.map((i) => ({ name: config.records[i]!.name, type: config.records[i]!.type })));
    idx.forEach((recordIdx, j) => (out[recordIdx] = all.then((r) => r[j]!)));
  }
  return config.records.map((_, i) => out[i] ?? Promise.resolve(null));
}

/** A failed read is never taken for a missing record, and a CNAME at the name is never overwritten: both leave the record alone. */
export function gatherRecord(
  record: RecordConfig,
  prev: RecordHistory | undefined,
  read: ReadResult | null,
  hold: Hold | undefined,
  ctx: { settings: unknown; unlock: string; wantedTtl: number; now: Date },
): Gathered {
  const fromState: CurrentRecord | null = prev?.published ? { values: prev.published } : null;
  const ttl = { wanted: ctx.wantedTtl, ...(read?.ok && read.value?.ttl !== undefined ? { current: read.value.ttl } : {}) };
  const base = { current: fromState, unknown: read === null && !hold && !fromState, ttl };
  if (hold) return { ...base, refusal: { message: describeHold(hold, ctx.unlock), hold } };
  if (read && !read.ok) return { ...base, refusal: refusalOf(read.error, 'cannot read the record', ctx, ctx.now) };
  if (read?.value?.cname !== undefined) return { ...base, refusal: { message: cnameMessage(record.name, read.value.cname) } };
  return read ? { ...base, current: read.value } : base;
}

export function cnameMessage(name: string, target: string): string {
  return `${name} is a CNAME to ${target}, so dnsfail cannot manage its address records: set \`name: ${target}\` (the record dnsfail keeps on a healthy server) and \`alias: ${name}\` (the public name)`;
}
