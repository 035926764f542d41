import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyDesecError, currentOf, errorDetail, nextCursor, parseDomainList, parseRrsetList, subnameOf } from '../../providers/desec/parse.js';

const A = { name: 'app.example.com', type: 'A' as const };

describe('desec parse', () => {
  it('reads RRsets, skipping entries without type or records, and returns the TTL and canonical addresses', () => {
    const rrsets = parseRrsetList([
      { subname: 'app', type: 'A', ttl: 3600, records: ['192.0.2.1', '192.0.2.2'] },
      { subname: 'app', type: 'AAAA', records: ['2001:DB8:0:0::1'] },
      { subname: 'app', records: ['odd'] },
      { type: 'MX', records: ['10 mx.example.com.'] },
      'garbage',
    ]);
    assert.equal(rrsets.length, 3);
    assert.deepEqual(currentOf(rrsets, 'app', A), { values: ['192.0.2.1', '192.0.2.2'], ttl: 3600 });
    assert.deepEqual(currentOf(rrsets, 'app', { ...A, type: 'AAAA' }), { values: ['2001:db8::1'] });
    assert.equal(currentOf(rrsets, 'www', A), null);
    assert.throws(() => parseRrsetList({ detail: 'x' }), /not an array/);
  });

  it('a CNAME at the name wins over any A RRset', () => {
    assert.deepEqual(currentOf(parseRrsetList([{ subname: 'app', type: 'CNAME', ttl: 60, records: ['Other.Example.NET.'] }]), 'app', A), { values: [], cname: 'other.example.net' });
  });

  it('the next cursor comes from the Link header rel="next" only', () => {
    const link = '<https://desec.io/api/v1/domains/x/rrsets/?cursor=>; rel="first", <https://desec.io/api/v1/domains/x/rrsets/?cursor=abc>; rel="prev", <https://desec.io/api/v1/domains/x/rrsets/?subname=a&cursor=d%3D>; rel="next"';
    assert.equal(nextCursor(link), 'd=');
    assert.equal(nextCursor('<https://desec.io/api/v1/domains/x/rrsets/?cursor=>; rel="first"'), undefined);
    assert.equal(nextCursor(undefined), undefined);
  });

  it('subnames: the apex is the empty string', () => {
    assert.equal(subnameOf('example.com', 'example.com'), '');
    assert.equal(subnameOf('a.b.example.com', 'example.com'), 'a.b');
  });

  it('domains keep their minimum_ttl; errors read detail, field maps and bulk lists', () => {
    assert.deepEqual(parseDomainList([{ name: 'Example.COM', minimum_ttl: 60 }, { nope: 1 }]), [{ name: 'example.com', minimumTtl: 60 }]);
    assert.equal(errorDetail('{"detail":"Invalid token."}'), 'Invalid token.');
    assert.equal(errorDetail([{}, { ttl: ['Ensure this value is greater than or equal to 3600.'] }]), 'ttl: Ensure this value is greater than or equal to 3600.');
    assert.equal(errorDetail('<html>'), '');
  });

  it('classifies: 401/403 auth, 429 rate-limited with Retry-After, 5xx transient, 404 fatal', () => {
    const k = (s: number, h: Record<string, string> = {}) => classifyDesecError(s, '{"detail":"x"}', h);
    assert.deepEqual([k(401).kind, k(403).kind, k(429).kind, k(502).kind, k(404).kind, k(400).kind], ['auth', 'auth', 'rate-limited', 'transient', 'fatal', 'fatal']);
    assert.equal(k(429, { 'retry-after': '42' }).retryAfterMs, 42_000);
  });
});
