import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ProviderError, type ProviderErrorKind } from '../../providers/kit/errors.js';
import type { CurrentRecord, ItemResult, Provider, RecordRef, WriteItem } from '../../providers/kit/types.js';
import type { RecordType } from '../../src/core/types.js';

/**
 * The batch forms (readMany/writeMany) of a provider against its server: many records across two
 * zones cost requests that grow with zones, not records; one bad record fails alone (or, for a
 * transactional API that cannot tell which, its batch) with a typed error; nothing is sent twice.
 */
export interface BatchHarness {
  kind: string;
  /** Two zones the server serves. */
  zones: [string, string];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The provider for records of this zone: the same instance for both where one instance serves many zones. */
  providerFor(zone: string): Provider;
  /** What the server holds, seen independently of the provider; null = no such rrset. */
  lookup(name: string, type: RecordType): Promise<string[] | null>;
  requests(): number;
  mutations(): number;
  /** The most requests (of any kind) readMany of `records` records spread over `zones` zones may cost. */
  maxReadRequests(records: number, zones: number): number;
  /** The most requests (reads included) writeMany creating `records` records over `zones` zones may cost. */
  maxWriteRequests(records: number, zones: number): number;
  /** Change this existing record behind the provider's back so that writing it now fails, for it alone; returns the error kind to expect. */
  spoil(name: string): Promise<ProviderErrorKind>;
  /** The provider sends nothing for a record whose value read in this run already is the wanted one. */
  skipsUnchanged: boolean;
}

const COUNT = 250;

export function batchContract(h: BatchHarness): void {
  describe(`batch contract: ${h.kind}`, () => {
    const names = Array.from({ length: COUNT }, (_, i) => `b${String(i).padStart(3, '0')}-${process.pid}.${h.zones[i % 2]}`);
    const refs: RecordRef[] = names.map((name) => ({ name, type: 'A' }));
    const first = names.map((_, i) => [`198.51.100.${(i % 250) + 1}`]);
    const second = names.map((_, i) => [`203.0.113.${(i % 250) + 1}`]);
    const zoneOf = (name: string) => h.zones.find((z) => name.endsWith(`.${z}`))!;

    before(() => h.start());
    after(() => h.stop());

    /** Calls each distinct provider once with its share, in parallel; results in the given order. */
    async function perProvider<T, R>(list: T[], nameOf: (t: T) => string, call: (p: Provider, part: T[]) => Promise<R[]>): Promise<R[]> {
      const groups = new Map<Provider, number[]>();
      list.forEach((t, i) => {
        const p = h.providerFor(zoneOf(nameOf(t)));
        (groups.get(p) ?? groups.set(p, []).get(p)!).push(i);
      });
      const out: R[] = new Array<R>(list.length);
      await Promise.all(
        [...groups].map(async ([p, at]) => {
          const got = await call(p, at.map((i) => list[i]!));
          assert.equal(got.length, at.length, 'one result per item');
          at.forEach((i, k) => (out[i] = got[k]!));
        }),
      );
      return out;
    }
    const readAll = (rs: RecordRef[]) => perProvider(rs, (r) => r.name, (p, part) => p.readMany!(part));
    const writeAll = (items: WriteItem[]) => perProvider(items, (i) => i.ref.name, (p, part) => p.writeMany!(part));
    const lookupAll = async (ns: string[]) => {
      const out: (string[] | null)[] = [];
      for (let i = 0; i < ns.length; i += 50) out.push(...(await Promise.all(ns.slice(i, i + 50).map((n) => h.lookup(n, 'A')))));
      return out;
    };
    const okAll = (results: ItemResult[]) => {
      const bad = results.map((r, i) => (r.ok ? '' : `${names[i]}: ${String((r as { error: unknown }).error)}`)).filter(Boolean);
      assert.deepEqual(bad, [], 'every item written');
    };
    let previous: (CurrentRecord | null | Error)[] = [];

    it(`writes ${COUNT} records across 2 zones with requests that grow with zones, not records`, async (t) => {
      for (const z of h.zones) assert.ok(h.providerFor(z).writeMany && h.providerFor(z).readMany, 'readMany and writeMany are present');
      const r0 = h.requests();
      const results = await writeAll(refs.map((ref, i) => ({ ref, req: { values: first[i]!, ttl: 60, previous: null } })));
      const used = h.requests() - r0;
      t.diagnostic(`${h.kind}: writeMany of ${COUNT} new records in 2 zones: ${used} requests`);
      okAll(results);
      assert.ok(used <= h.maxWriteRequests(COUNT, 2), `${used} requests for ${COUNT} records (bound ${h.maxWriteRequests(COUNT, 2)})`);
      assert.deepEqual(await lookupAll(names), first);
    });

    it(`readMany of ${COUNT} records (and 2 missing ones) costs a bounded number of requests per zone`, async (t) => {
      const missing: RecordRef[] = h.zones.map((z) => ({ name: `nothing-here-${process.pid}.${z}`, type: 'A' }));
      const r0 = h.requests();
      const got = await readAll([...refs, ...missing]);
      const used = h.requests() - r0;
      t.diagnostic(`${h.kind}: readMany of ${COUNT + 2} records in 2 zones: ${used} requests`);
      assert.ok(used <= h.maxReadRequests(COUNT + 2, 2), `${used} requests (bound ${h.maxReadRequests(COUNT + 2, 2)})`);
      assert.deepEqual(got.slice(COUNT), [null, null]);
      previous = got.slice(0, COUNT);
      assert.deepEqual(previous.map((c) => (c instanceof Error ? c.message : c?.values)), first);
      assert.ok(previous.every((c) => !(c instanceof Error) && c?.ttl === 60), 'the TTL is read too');
    });

    it('writing the same values again changes nothing', async (t) => {
      const m0 = h.mutations();
      const r0 = h.requests();
      const results = await writeAll(refs.map((ref, i) => ({ ref, req: { values: first[i]!, ttl: 60, previous: previous[i] as CurrentRecord } })));
      t.diagnostic(`${h.kind}: writeMany of ${COUNT} unchanged records: ${h.requests() - r0} requests, ${h.mutations() - m0} mutating`);
      okAll(results);
      if (h.skipsUnchanged) assert.equal(h.mutations() - m0, 0, 'no mutating request');
      assert.deepEqual(await lookupAll(names), first);
    });

    it('one record that cannot be written fails with its own typed error; the others are written', async (t) => {
      const victim = 7;
      const kind = await h.spoil(names[victim]!);
      const r0 = h.requests();
      const results = await writeAll(refs.map((ref, i) => ({ ref, req: { values: second[i]!, ttl: 60, previous: previous[i] as CurrentRecord } })));
      t.diagnostic(`${h.kind}: writeMany replacing ${COUNT} records in 2 zones, one of them spoiled: ${h.requests() - r0} requests`);
      const failed = results.flatMap((r, i) => (r.ok ? [] : [i]));
      assert.deepEqual(failed, [victim], 'only the spoiled record failed');
      const error = (results[victim] as { error: unknown }).error;
      assert.ok(error instanceof ProviderError && error.kind === kind, `a ${kind} error, got ${String(error)}`);
      assert.ok(error.message.includes(names[victim]!), `the error names the record: ${error.message}`);
      const now = await lookupAll(names);
      assert.deepEqual(now.filter((_, i) => i !== victim), second.filter((_, i) => i !== victim));
      assert.notDeepEqual(now[victim], second[victim], 'the spoiled record was not overwritten');
    });
  });
}
