import * as z from 'zod/mini';
import { ProviderError } from './errors.js';
import { canonicalIp, ipFamily } from './ip.js';
import type { CurrentRecord, ItemResult, RecordRef, RecordType, WriteItem } from './types.js';

/** A domain name as config gives it: labels of letters, digits, `-` and `_`, an optional final dot. */
export const DOMAIN_RE = /^(?!-)[A-Za-z0-9_-]{1,63}(?:\.(?!-)[A-Za-z0-9_-]{1,63})*\.?$/;

export const domainName = (message = 'must be a domain name') => z.string().check(z.regex(DOMAIN_RE, message));

/** The form every provider compares names in: lower case, no trailing dot. */
export const bareName = (name: string): string => name.toLowerCase().replace(/\.$/, '');

/**
 * The canonical text of a value of the record's type: an address of its family, or for TXT the text
 * itself (printable ASCII, at most 255 characters: one character-string); a fatal error for anything else.
 */
export function checkAddress(type: RecordType, value: string): string {
  if (type === 'TXT') {
    if (!/^[\x20-\x7e]{0,255}$/.test(value)) throw new ProviderError('fatal', `${JSON.stringify(value.slice(0, 60))} is not TXT text dnsfail writes (printable ASCII, at most 255 characters)`);
    return value;
  }
  if (ipFamily(value) !== (type === 'A' ? 4 : 6)) {
    throw new ProviderError('fatal', `${JSON.stringify(value)} is not an ${type === 'A' ? 'IPv4' : 'IPv6'} address`);
  }
  return canonicalIp(value);
}

/** The addresses a write asks for: each checked and canonical (see checkAddress), each once. */
export const wantedAddresses = (type: RecordType, values: readonly string[]): string[] => [...new Set(values.map((v) => checkAddress(type, v)))];

/**
 * A writeMany's bookkeeping: one result per item (ok until failed), a way to fail one, and each
 * item's wanted addresses; an item asking for an invalid address is failed at once and wants none.
 */
export function startBatch(items: readonly WriteItem[]): { results: ItemResult[]; fail: (at: number, error: unknown) => void; wanted: string[][] } {
  const results: ItemResult[] = items.map(() => ({ ok: true }));
  const fail = (at: number, error: unknown) => (results[at] = { ok: false, error });
  const wanted = items.map(({ ref, req }, at) => {
    try {
      return wantedAddresses(ref.type, req.values);
    } catch (e) {
      fail(at, e);
      return [];
    }
  });
  return { results, fail, wanted };
}

export const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/**
 * Every item of a batch failed with the very same error of the transport or the credentials (a
 * refused connection, a 429, a rejected token): throw it, so the engine retries or holds the whole
 * call as it would a single write.
 */
export function throwIfOneFailure(errors: unknown[], count: number): void {
  const first = errors[0];
  if (count === 0 || errors.length !== count || !errors.every((e) => e === first)) return;
  if (first instanceof ProviderError && ['transient', 'rate-limited', 'auth', 'lockout'].includes(first.kind)) throw first;
}

/**
 * readMany's frame: each group of refs (a zone) is read once, all groups at once. `readGroup`
 * answers a lookup that gives each member its record. A failed group read fails its members, a
 * failed lookup that member alone; `out` holds what was decided before (a zone not found).
 */
export async function readGroups<G extends { members: readonly number[] }>(
  refs: readonly RecordRef[],
  out: Array<CurrentRecord | null | Error>,
  groups: Iterable<G>,
  readGroup: (group: G, members: RecordRef[]) => Promise<(ref: RecordRef) => CurrentRecord | null>,
): Promise<Array<CurrentRecord | null | Error>> {
  await Promise.all(
    [...groups].map(async (group) => {
      let recordOf: (ref: RecordRef) => CurrentRecord | null;
      try {
        recordOf = await readGroup(group, group.members.map((at) => refs[at]!));
      } catch (e) {
        for (const at of group.members) out[at] = asError(e);
        return;
      }
      for (const at of group.members) {
        try {
          out[at] = recordOf(refs[at]!);
        } catch (e) {
          out[at] = asError(e);
        }
      }
    }),
  );
  throwIfOneFailure(out.filter((r): r is Error => r instanceof Error), refs.length);
  return out;
}

/** writeMany's answer, thrown whole when one transport or credential error failed every item. */
export function finishBatch(results: ItemResult[]): ItemResult[] {
  throwIfOneFailure(results.flatMap((r) => (r.ok ? [] : [r.error])), results.length);
  return results;
}

/** Positions of items grouped by a key (their zone), in first-seen order. */
export function groupIndexes<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, at) => {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(at);
    else groups.set(key, [at]);
  });
  return groups;
}

/**
 * Items grouped by the zone each belongs to (looked up per item, concurrently), in the items' order,
 * so that a batch costs a call per zone. `zoneOf` resolves undefined for an item that needs no call;
 * `fail` gets each item whose zone cannot be found, with the error.
 */
export async function groupByZone<T, Z extends { id: string }>(
  items: readonly T[],
  zoneOf: (item: T, at: number) => Promise<Z | undefined>,
  fail: (at: number, error: Error) => void,
): Promise<Array<{ zone: Z; at: number[] }>> {
  const zones = await Promise.all(
    items.map(async (item, at) => {
      try {
        return await zoneOf(item, at);
      } catch (e) {
        fail(at, asError(e));
        return undefined;
      }
    }),
  );
  const found = zones.flatMap((zone, at) => (zone ? [{ zone, at }] : []));
  return [...groupIndexes(found, (f) => f.zone.id).values()].map((group) => ({ zone: found[group[0]!]!.zone, at: group.map((i) => found[i]!.at) }));
}
