import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyGoogleError, findRrsets, parseRrsetPage, parseServiceAccountKey, toCurrent } from '../../providers/googleclouddns/parse.js';

const ref = { name: 'app.example.com', type: 'A' as const };

describe('googleclouddns parse', () => {
  it('a page: entries without name or type are skipped, missing rrdatas are empty, nextPageToken kept', () => {
    const page = parseRrsetPage({ rrsets: [{ name: 'app.example.com.', type: 'A', ttl: 60, rrdatas: ['192.0.2.1', 7] }, { type: 'A' }, null, { name: 'x.example.com.', type: 'TXT' }], nextPageToken: 'abc' });
    assert.deepEqual(page, { rrsets: [{ name: 'app.example.com.', type: 'A', ttl: 60, rrdatas: ['192.0.2.1'] }, { name: 'x.example.com.', type: 'TXT', rrdatas: [] }], nextPageToken: 'abc' });
    assert.deepEqual(parseRrsetPage({ kind: 'dns#resourceRecordSetsListResponse' }), { rrsets: [] }, 'an empty zone has no rrsets key');
    assert.deepEqual(parseRrsetPage({ rrsets: [], nextPageToken: '' }), { rrsets: [] }, 'an empty token ends the paging');
    assert.throws(() => parseRrsetPage('oops'), (e: Error & { kind?: string }) => e.kind === 'transient');
  });

  it('the current value: names compared without the dot and case, foreign rrdatas skipped, a lone CNAME reported', () => {
    const rrsets = [
      { name: 'App.Example.com.', type: 'A', ttl: 300, rrdatas: ['192.0.2.1', 'junk', '2001:db8::1'] },
      { name: 'app.example.com.', type: 'MX', rrdatas: ['10 mx.'] },
    ];
    assert.deepEqual(toCurrent(findRrsets(rrsets, ref), ref), { values: ['192.0.2.1'], ttl: 300 });
    assert.deepEqual(toCurrent(findRrsets([{ name: 'app.example.com.', type: 'CNAME', rrdatas: ['Edge.CDN.net.'] }], ref), ref), { values: [], cname: 'edge.cdn.net' });
    assert.equal(toCurrent(findRrsets([], ref), ref), null);
  });

  it('a service-account key: the fields needed, or a message that names what is wrong and not the key', () => {
    const key = parseServiceAccountKey(JSON.stringify({ type: 'service_account', client_email: 'a@p.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\nX\n-----END PRIVATE KEY-----\n', private_key_id: 'k1' }));
    assert.deepEqual(key, { clientEmail: 'a@p.iam.gserviceaccount.com', privateKey: '-----BEGIN PRIVATE KEY-----\nX\n-----END PRIVATE KEY-----\n', privateKeyId: 'k1' });
    assert.throws(() => parseServiceAccountKey('nope'), /is not JSON/);
    assert.throws(() => parseServiceAccountKey('{"type":"authorized_user","refresh_token":"SECRET"}'), (e: Error) => /not a service-account key/.test(e.message) && !e.message.includes('SECRET'));
    assert.throws(() => parseServiceAccountKey('{"type":"service_account","client_email":"a@b"}'), /private_key/);
  });

  it('errors: Google\'s envelope mapped to kinds (403 rateLimitExceeded is a rate limit, not auth)', () => {
    const body = (code: number, reason: string) => JSON.stringify({ error: { code, message: `${reason}!`, errors: [{ reason }] } });
    assert.equal(classifyGoogleError(403, body(403, 'rateLimitExceeded'), {}).kind, 'rate-limited');
    assert.equal(classifyGoogleError(403, body(403, 'forbidden'), {}).kind, 'auth');
    assert.equal(classifyGoogleError(401, body(401, 'authError'), {}).kind, 'auth');
    assert.equal(classifyGoogleError(412, body(412, 'conditionNotMet'), {}).kind, 'conflict');
    assert.equal(classifyGoogleError(409, body(409, 'alreadyExists'), {}).kind, 'conflict');
    assert.equal(classifyGoogleError(429, '', { 'retry-after': '2' }).retryAfterMs, 2000);
    assert.equal(classifyGoogleError(502, '<html>', {}).kind, 'transient');
    assert.match(classifyGoogleError(404, body(404, 'notFound'), {}).message, /HTTP 404 notFound: notFound! \(check project and managedZone\)/);
  });
});
