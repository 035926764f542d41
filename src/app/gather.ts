import type { CurrentRecord, Provider, RecordRef } from '../../providers/kit/types.js';
import type { Config, RecordConfig } from '../config/types.js';
import type { RecordHistory } from '../core/types.js';
import type { StateFile } from '../state/store.js';
import { describeHold, holdApplies, holdKey, refusalOf, type Hold, type Refusal } from './holds.js';
import { readAll, type ReadResult } from './read-all.js';
import { voteRefs } from './votes.js';

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

/** A record's reads: its value (null when not read: held, or the provider cannot read) and, with several checkers, the peers' votes (null when not read). */
export interface RecordReads {
  record: Promise<ReadResult | null>;
  votes: Promise<ReadResult[] | null>;
}

/** Every record's reads, one batch per provider: the records and the votes a provider keeps are read together. */
export function readRecords(config: Config, providers: Record<string, Provider>, holds: Array<Hold | undefined>): RecordReads[] {
  const asks = new Map<string, RecordRef[]>();
  const ask = (provider: string, ref: RecordRef): [string, number] => {
    const refs = asks.get(provider) ?? asks.set(provider, []).get(provider)!;
    return [provider, refs.push(ref) - 1];
  };
  const v = config.vantage;
  const asked = config.records.map((r, i) => {
    // Write-only: what is published comes from the state file.
    const record = providers[r.provider]!.read && !holds[i] ? ask(r.provider, { name: r.name, type: r.type }) : null;
    const store = v?.store ?? r.provider;
    const votes = v && !(holds[i] && store === r.provider) ? voteRefs(v, r).map((ref) => ask(store, ref)) : null;
    return { record, votes };
  });
  const results = new Map([...asks].map(([id, refs]) => [id, readAll(providers[id]!, refs)]));
  const answer = ([id, j]: [string, number]) => results.get(id)!.then((all) => all[j]!);
  return asked.map(({ record, votes }) => ({
    record: record ? answer(record) : Promise.resolve(null),
    votes: votes ? Promise.all(votes.map(answer)) : Promise.resolve(null),
  }));
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
