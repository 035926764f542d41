import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import { planValueRecords, syncValueRecords, valueRecordsAt, type ListedRecord } from '../../providers/kit/value-records.js';

const A = { name: 'app.example.com', type: 'A' as const };

describe('planValueRecords (one record per value)', () => {
  it('in sync: nothing to send', () => {
    assert.deepEqual(planValueRecords([{ id: '1', value: '192.0.2.1', ttl: 60 }], ['192.0.2.1'], 60), { updates: [], creates: [], deletes: [] });
  });

  it('a failover updates the record in place instead of delete + create', () => {
    assert.deepEqual(planValueRecords([{ id: '1', value: '192.0.2.1', ttl: 60 }], ['192.0.2.2'], 60), { updates: [{ id: '1', value: '192.0.2.2' }], creates: [], deletes: [] });
  });

  it('a TTL difference alone is an update with the same value', () => {
    assert.deepEqual(planValueRecords([{ id: '1', value: '192.0.2.1', ttl: 300 }], ['192.0.2.1'], 60).updates, [{ id: '1', value: '192.0.2.1' }]);
  });

  it('grows by creating, shrinks by deleting, and drops duplicates of a value', () => {
    assert.deepEqual(planValueRecords([{ id: '1', value: '192.0.2.1', ttl: 60 }], ['192.0.2.1', '192.0.2.2'], 60), { updates: [], creates: ['192.0.2.2'], deletes: [] });
    const existing = [
      { id: '1', value: '192.0.2.1', ttl: 60 },
      { id: '2', value: '192.0.2.1', ttl: 60 },
      { id: '3', value: '192.0.2.3', ttl: 60 },
    ];
    assert.deepEqual(planValueRecords(existing, ['192.0.2.1'], 60), { updates: [], creates: [], deletes: ['2', '3'] });
  });

  it('compares IPv6 addresses in canonical form', () => {
    assert.deepEqual(planValueRecords([{ id: '1', value: '2001:DB8:0::1', ttl: 60 }], ['2001:db8::1'], 60).updates, []);
  });
});

describe('valueRecordsAt', () => {
  const listed: ListedRecord[] = [
    { id: '1', type: 'A', name: 'app.example.com', value: '192.0.2.1', ttl: 60 },
    { id: '2', type: 'A', name: 'app.example.com', value: '192.0.2.2', ttl: 300 },
    { type: 'TXT', name: 'app.example.com' },
    { id: '4', type: 'A', name: 'other.example.com', value: 'garbage' },
  ];

  it('the values and the longest TTL; odd records of other names and types are not looked at', () => {
    assert.deepEqual(valueRecordsAt(listed, A, 'X').current, { values: ['192.0.2.1', '192.0.2.2'], ttl: 300 });
  });

  it('no TTL when a record lacks one; null when there is no record', () => {
    assert.deepEqual(valueRecordsAt([{ id: '1', type: 'A', name: A.name, value: '192.0.2.1' }], A, 'X').current, { values: ['192.0.2.1'] });
    assert.equal(valueRecordsAt(listed, { name: 'none.example.com', type: 'A' }, 'X').current, null);
  });

  it('a CNAME at the name', () => {
    assert.deepEqual(valueRecordsAt([{ id: '9', type: 'CNAME', name: A.name, value: 'Target.Example.NET.' }], A, 'X').current, { values: [], cname: 'target.example.net' });
  });

  it('a record of its own name and type without an id or a usable address is fatal, not skipped', () => {
    for (const bad of [{ type: 'A', name: A.name, value: '192.0.2.1' }, { id: '1', type: 'A', name: A.name }, { id: '1', type: 'A', name: A.name, value: '2001:db8::1' }]) {
      assert.throws(() => valueRecordsAt([bad], A, 'Svc'), (e: unknown) => e instanceof ProviderError && e.kind === 'fatal' && /^Svc holds an A record at app\.example\.com/.test((e as Error).message));
    }
  });
});

describe('syncValueRecords', () => {
  const calls: string[] = [];
  const api = {
    update: async (id: string, v: string) => void calls.push(`update ${id} ${v}`),
    create: async (v: string) => void calls.push(`create ${v}`),
    remove: async (id: string) => void calls.push(`delete ${id}`),
  };

  it('sends updates, then creates, then deletes', async () => {
    calls.length = 0;
    const listed: ListedRecord[] = [
      { id: '1', type: 'A', name: A.name, value: '192.0.2.1', ttl: 60 },
      { id: '2', type: 'A', name: A.name, value: '192.0.2.2', ttl: 60 },
      { id: '3', type: 'A', name: A.name, value: '192.0.2.3', ttl: 60 },
    ];
    await syncValueRecords(listed, A, { values: ['192.0.2.3', '192.0.2.4'], previous: null }, 60, { service: 'X', zone: 'example.com' }, api);
    assert.deepEqual(calls, ['update 1 192.0.2.4', 'delete 2']);
  });

  it('refuses a value of the wrong family before sending anything', async () => {
    calls.length = 0;
    await assert.rejects(syncValueRecords([], A, { values: ['2001:db8::1'], previous: null }, 60, { service: 'X', zone: 'example.com' }, api), /not an IPv4 address/);
    assert.deepEqual(calls, []);
  });
});
