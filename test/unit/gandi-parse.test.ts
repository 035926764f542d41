import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyGandiError, currentOf, errorDetail, parseRrsets, rrsetName } from '../../providers/gandi/parse.js';

describe('gandi parse', () => {
  it('skips entries without name, type or values instead of failing the read', () => {
    const got = parseRrsets([
      { rrset_name: 'app', rrset_type: 'A', rrset_ttl: 300, rrset_values: ['192.0.2.1'], rrset_href: 'x' },
      { rrset_name: 'app', rrset_type: 'TXT' },
      { rrset_type: 'A', rrset_values: ['192.0.2.2'] },
      null,
      { rrset_name: 'APP', rrset_type: 'aaaa', rrset_values: ['2001:DB8::1', 7] },
    ]);
    assert.deepEqual(got, [
      { name: 'app', type: 'A', ttl: 300, values: ['192.0.2.1'] },
      { name: 'app', type: 'AAAA', values: ['2001:DB8::1'] },
    ]);
    assert.throws(() => parseRrsets({ rrset_name: 'app' }), /not an array/);
  });

  it('currentOf: addresses canonical with TTL, a CNAME as such, other types as missing', () => {
    const rrsets = parseRrsets([
      { rrset_name: 'v6', rrset_type: 'AAAA', rrset_ttl: 600, rrset_values: ['2001:DB8:0::1'] },
      { rrset_name: 'c', rrset_type: 'CNAME', rrset_values: ['Other.Example.'] },
      { rrset_name: 't', rrset_type: 'TXT', rrset_values: ['"x"'] },
    ]);
    assert.deepEqual(currentOf(rrsets, 'v6', { name: 'v6.example.com', type: 'AAAA' }), { values: ['2001:db8::1'], ttl: 600 });
    assert.deepEqual(currentOf(rrsets, 'c', { name: 'c.example.com', type: 'A' }), { values: [], cname: 'other.example' });
    assert.equal(currentOf(rrsets, 't', { name: 't.example.com', type: 'A' }), null);
  });

  it('rrsetName: relative, @ for the apex', () => {
    assert.equal(rrsetName('example.com', 'example.com'), '@');
    assert.equal(rrsetName('a.b.example.com', 'example.com'), 'a.b');
  });

  it('names the error envelope in one line; classifies 401/403 auth, 429 with Retry-After, 5xx transient, else fatal', () => {
    const body = JSON.stringify({ code: 400, message: 'Invalid request', object: 'HTTPBadRequest', cause: 'Bad Request', errors: [{ location: 'body', name: 'rrset_ttl', description: 'must be\nbetween 300 and 2592000' }] });
    assert.equal(errorDetail(body), 'Bad Request: Invalid request; rrset_ttl: must be between 300 and 2592000');
    assert.equal(errorDetail('<html>'), '');
    assert.equal(classifyGandiError(400, body, {}).kind, 'fatal');
    assert.equal(classifyGandiError(401, '', {}).kind, 'auth');
    assert.match(classifyGandiError(403, '', {}).message, /lacks permission/);
    const limited = classifyGandiError(429, '', { 'retry-after': '12' });
    assert.equal(limited.kind, 'rate-limited');
    assert.equal(limited.retryAfterMs, 12_000);
    assert.equal(classifyGandiError(503, '<html>', {}).kind, 'transient');
  });
});
