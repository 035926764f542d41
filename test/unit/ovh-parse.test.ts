import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyOvhError, ovhSignature, planWrite, parseIds, parseRecord, recordsOf, subDomainOf, toCurrent } from '../../providers/ovh/parse.js';

const rec = (id: number, fieldType: string, target: string, ttl = 60, subDomain = 'app') => ({ id, fieldType, subDomain, target, ttl });

describe('ovh parse', () => {
  it('the signature: "$1$" + SHA-1 of secret+consumer key+METHOD+URL+body+timestamp (a vector computed with sha1sum)', () => {
    const url = 'https://eu.api.ovh.com/1.0/domain/zone/example.com/record?subDomain=app';
    assert.equal(ovhSignature({ applicationSecret: 'SECRET', consumerKey: 'CK', method: 'get', url, body: '', timestamp: 1700000000 }), '$1$3ab002be2904e0839cbbfc88bcf87eecc8c87af8');
  });

  it('subDomain: "" for the apex; records without a target or id are ignored; ids that are not numbers dropped', () => {
    assert.equal(subDomainOf('example.com', 'example.com'), '');
    assert.equal(subDomainOf('a.b.example.com', 'example.com'), 'a.b');
    assert.throws(() => subDomainOf('example.org', 'example.com'), /not inside OVH zone/);
    assert.equal(parseRecord({ id: 1, fieldType: 'A' }), undefined);
    assert.deepEqual(parseRecord({ id: 1, fieldType: 'A', target: '192.0.2.1', zone: 'example.com' }), { id: 1, fieldType: 'A', subDomain: '', target: '192.0.2.1', ttl: 0 });
    assert.deepEqual(parseIds([1, '2', 3]), [1, 3]);
    assert.throws(() => parseIds({}), (e: Error & { kind?: string }) => e.kind === 'transient');
  });

  it('the current value: family-matching targets of the type at the name (case-insensitive), lowest TTL, 0 = unknown, lone CNAME', () => {
    const ref = { name: 'app.example.com', type: 'A' as const };
    const all = [rec(1, 'A', '192.0.2.1', 300, 'APP'), rec(2, 'A', '192.0.2.2', 120), rec(3, 'A', 'junk'), rec(4, 'TXT', 'x'), rec(5, 'A', '192.0.2.9', 60, 'other')];
    assert.deepEqual(toCurrent(recordsOf(all, ref, 'app')), { values: ['192.0.2.1', '192.0.2.2'], ttl: 120 });
    assert.deepEqual(toCurrent(recordsOf([rec(1, 'A', '192.0.2.1', 0)], ref, 'app')), { values: ['192.0.2.1'] });
    assert.deepEqual(toCurrent(recordsOf([rec(1, 'CNAME', 'Edge.CDN.net.')], ref, 'app')), { values: [], cname: 'edge.cdn.net' });
    assert.equal(toCurrent(recordsOf([], ref, 'app')), null);
  });

  it('the write plan keeps records holding wanted addresses, re-points the others, creates and deletes the rest', () => {
    assert.deepEqual(planWrite([rec(1, 'A', '192.0.2.1'), rec(2, 'A', '192.0.2.2')], ['192.0.2.2', '192.0.2.3'], 60), { updates: [{ id: 1, target: '192.0.2.3' }], creates: [], deletes: [] });
    assert.deepEqual(planWrite([rec(1, 'A', '192.0.2.1', 300)], ['192.0.2.1', '192.0.2.5'], 60), { updates: [{ id: 1, target: '192.0.2.1' }], creates: ['192.0.2.5'], deletes: [] });
    assert.deepEqual(planWrite([rec(1, 'A', '192.0.2.1'), rec(2, 'A', '192.0.2.1'), rec(3, 'A', '192.0.2.4')], ['192.0.2.1'], 60), { updates: [], creates: [], deletes: [2, 3] });
    assert.deepEqual(planWrite([rec(1, 'AAAA', '2001:DB8::1')], ['2001:db8::1'], 60), { updates: [], creates: [], deletes: [] }, 'addresses compared canonically');
  });

  it('errors: OVH error codes mapped to kinds', () => {
    const body = (errorCode: string, message: string) => JSON.stringify({ errorCode, httpCode: 'x', message });
    assert.equal(classifyOvhError(400, body('INVALID_SIGNATURE', 'Invalid signature'), {}).kind, 'auth');
    assert.equal(classifyOvhError(403, body('NOT_GRANTED_CALL', 'This call has not been granted'), {}).kind, 'auth');
    assert.equal(classifyOvhError(400, body('QUERY_TIME_OUT', 'Query out of time'), {}).code, 'QUERY_TIME_OUT');
    assert.equal(classifyOvhError(429, '{}', { 'retry-after': '3' }).retryAfterMs, 3000);
    assert.equal(classifyOvhError(500, 'x', {}).kind, 'transient');
    assert.equal(classifyOvhError(404, JSON.stringify({ message: 'This service does not exist' }), {}).kind, 'fatal');
  });
});
