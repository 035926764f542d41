import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupByZone } from '../../providers/kit/records.js';

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
