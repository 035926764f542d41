import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAzureError, parseRecordSet, recordSetBody, relativeName, toCurrent } from '../../providers/azure/parse.js';

describe('azure parse', () => {
  it('relative names: "@" for the apex, the labels below the zone otherwise, a fatal error outside it', () => {
    assert.equal(relativeName('example.com', 'example.com'), '@');
    assert.equal(relativeName('a.b.example.com', 'example.com'), 'a.b');
    assert.throws(() => relativeName('example.org', 'example.com'), /not inside Azure DNS zone example\.com/);
    assert.throws(() => relativeName('badexample.com', 'example.com'), /not inside/);
  });

  it('a record set: addresses of the family only, canonical; entries without one are skipped; TTL and etag kept', () => {
    const set = parseRecordSet({ etag: 'e1', properties: { TTL: 300, metadata: { a: 'b', n: 1 }, ARecords: [{ ipv4Address: '192.0.2.1' }, {}, { ipv4Address: '2001:db8::1' }, 'x', { ipv4Address: '192.0.2.2' }] } }, 'A');
    assert.deepEqual(set, { etag: 'e1', ttl: 300, values: ['192.0.2.1', '192.0.2.2'], metadata: { a: 'b' } });
    assert.deepEqual(parseRecordSet({ properties: { AAAARecords: [{ ipv6Address: '2001:DB8:0::1' }] } }, 'AAAA').values, ['2001:db8::1']);
    assert.deepEqual(toCurrent(parseRecordSet({ properties: { ARecords: [] } }, 'A')), null, 'an empty record set serves nothing');
    assert.deepEqual(toCurrent(parseRecordSet({ properties: { CNAMERecord: { cname: 'X.Example.' } } }, 'CNAME')), { values: [], cname: 'x.example' });
    assert.throws(() => parseRecordSet({ etag: 'x' }, 'A'), (e: Error & { kind?: string }) => e.kind === 'transient');
  });

  it('the PUT body holds the TTL, the records and the metadata kept', () => {
    assert.deepEqual(recordSetBody('A', ['192.0.2.1'], 60, { owner: 'ops' }), { properties: { TTL: 60, metadata: { owner: 'ops' }, ARecords: [{ ipv4Address: '192.0.2.1' }] } });
    assert.deepEqual(recordSetBody('AAAA', ['2001:db8::1'], 60), { properties: { TTL: 60, AAAARecords: [{ ipv6Address: '2001:db8::1' }] } });
  });

  it('errors: 401/403 auth, 412 conflict, 429 with Retry-After, 5xx transient, 404 fatal; CloudError code and message shown', () => {
    const body = (code: string) => JSON.stringify({ error: { code, message: `${code} happened` } });
    assert.equal(classifyAzureError(401, body('InvalidAuthenticationToken'), {}).kind, 'auth');
    assert.match(classifyAzureError(403, body('AuthorizationFailed'), {}).message, /AuthorizationFailed.*DNS Zone Contributor/);
    assert.equal(classifyAzureError(412, body('PreconditionFailed'), {}).kind, 'conflict');
    const rl = classifyAzureError(429, body('TooManyRequests'), { 'retry-after': '17' });
    assert.equal(rl.kind, 'rate-limited');
    assert.equal(rl.retryAfterMs, 17_000);
    assert.equal(classifyAzureError(503, '<html>', {}).kind, 'transient');
    assert.equal(classifyAzureError(404, body('ParentResourceNotFound'), {}).kind, 'fatal');
    assert.equal(classifyAzureError(400, 'not json', {}).message, 'HTTP 400');
  });
});
