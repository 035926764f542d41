import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import { groupByZone, readGroups } from '../../providers/kit/records.js';
import type { CurrentRecord, RecordRef } from '../../providers/kit/types.js';

const zoneOf = (name: string) => ({ id: name.split('.').slice(-2).join('.') });

describe('groupByZone (the kit\'s readMany/writeMany grouping)', () => {
  it('groups items by zone in the items\' order, whatever order the lookups finish in', async () => {
    const names = ['a.one.test', 'a.two.test', 'b.one.test', 'b.two.test', 'c.one.test'];
    // Later items resolve first.
    const groups = await groupByZone(names, (name, at) => new Promise<{ id: string }>((r) => setTimeout(() => r(zoneOf(name)), (names.length - at) * 5)), () => assert.fail());
    assert.deepEqual(groups, [
      { zone: { id: 'one.test' }, at: [0, 2, 4] },
      { zone: { id: 'two.test' }, at: [1, 3] },
    ]);
  });

  it('leaves out items whose zoneOf gives undefined, and hands each failed lookup to fail (as an Error)', async () => {
    const failed: Array<[number, string]> = [];
    const groups = await groupByZone(
      ['skip.one.test', 'a.one.test', 'bad', 'b.one.test'],
      async (name) => {
        if (name === 'bad') throw 'no zone holds bad';
        return name.startsWith('skip.') ? undefined : zoneOf(name);
      },
      (at, e) => failed.push([at, e.message]),
    );
    assert.deepEqual(groups, [{ zone: { id: 'one.test' }, at: [1, 3] }]);
    assert.deepEqual(failed, [[2, 'no zone holds bad']]);
  });
});

describe('readGroups (the kit\'s readMany frame)', () => {
  const refs: RecordRef[] = ['a.one.test', 'b.one.test', 'a.two.test', 'c.three.test'].map((name) => ({ name, type: 'A' }));
  const blank = (): Array<CurrentRecord | null | Error> => refs.map(() => null);

  it('reads each group once; a failed group read fails its members, a failed lookup that member alone; earlier answers stay', async () => {
    const out = blank();
    out[3] = new Error('no zone holds c.three.test');
    const reads: string[][] = [];
    const answer = await readGroups(refs, out, [{ zone: 'one.test', members: [0, 1] }, { zone: 'two.test', members: [2] }], async ({ zone }, members) => {
      reads.push(members.map((r) => r.name));
      if (zone === 'two.test') throw new ProviderError('fatal', 'two.test: HTTP 403');
      return (ref) => {
        if (ref.name === 'b.one.test') throw new Error('b.one.test: malformed record');
        return { values: ['192.0.2.1'] };
      };
    });
    assert.deepEqual(reads, [['a.one.test', 'b.one.test'], ['a.two.test']]);
    assert.deepEqual(answer[0], { values: ['192.0.2.1'] });
    assert.equal((answer[1] as Error).message, 'b.one.test: malformed record');
    assert.equal((answer[2] as Error).message, 'two.test: HTTP 403');
    assert.equal((answer[3] as Error).message, 'no zone holds c.three.test');
  });

  it('throws the one transport error that failed every record, so the engine retries the whole call', async () => {
    const down = new ProviderError('transient', 'connection refused');
    await assert.rejects(
      readGroups(refs, blank(), [{ members: [0, 1, 2, 3] }], async () => {
        throw down;
      }),
      (e) => e === down,
    );
  });
});
