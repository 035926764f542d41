import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import {
  classifyCloudflareError,
  cloudflareTtl,
  envelopeResult,
  OWNER_COMMENT,
  parseRecordPage,
  parseZoneList,
  planWrite,
  recordsToCurrent,
  zoneCandidates,
  type CfRecord,
} from '../../providers/cloudflare/parse.js';

const rec = (id: string, content: string, extra: Partial<CfRecord> = {}): CfRecord => ({
  id,
  type: 'A',
  name: 'app.example.com',
  content,
  ttl: 60,
  proxied: false,
  comment: null,
  ...extra,
});
const owned = (id: string, content: string, extra: Partial<CfRecord> = {}) => rec(id, content, { comment: OWNER_COMMENT, ...extra });
const plan = (existing: CfRecord[], values: string[], ttl = 60) => planWrite(existing, values, ttl, 'app.example.com', 'A');
const envelope = (status: number, errors: { code: number; message: string }[], headers: Record<string, string> = {}) =>
  classifyCloudflareError(status, JSON.stringify({ success: false, errors, messages: [], result: null }), headers);

describe('cloudflare: reading answers', () => {
  it('zone candidates walk up the labels, never to the bare TLD', () => {
    assert.deepEqual(zoneCandidates('a.b.example.com'), ['a.b.example.com', 'b.example.com', 'example.com']);
    assert.deepEqual(zoneCandidates('example.com'), ['example.com']);
  });

  it('reads a record page and its total_pages', () => {
    const page = parseRecordPage({
      success: true,
      errors: [],
      result: [{ id: 'r1', type: 'A', name: 'App.Example.com', content: '192.0.2.1', ttl: 1, proxied: true, comment: 'hand made' }],
      result_info: { page: 1, per_page: 1, count: 1, total_count: 3, total_pages: 3 },
    });
    assert.equal(page.totalPages, 3);
    assert.deepEqual(page.items, [{ id: 'r1', type: 'A', name: 'app.example.com', content: '192.0.2.1', ttl: 1, proxied: true, comment: 'hand made' }]);
  });

  it('a 2xx answer with success: false is an error carrying Cloudflare\'s message', () => {
    assert.throws(
      () => envelopeResult({ success: false, errors: [{ code: 1234, message: 'nope' }] }),
      (e: unknown) => e instanceof ProviderError && e.kind === 'fatal' && /nope \(1234\)/.test(e.message),
    );
  });

  it('zone lists keep id and lower-case name', () => {
    assert.deepEqual(parseZoneList({ success: true, result: [{ id: 'z1', name: 'Example.COM' }, { junk: 1 }] }), [{ id: 'z1', name: 'example.com' }]);
  });

  it('the current rrset is the records\' contents, canonical; none is null', () => {
    assert.equal(recordsToCurrent([]), null);
    assert.deepEqual(recordsToCurrent([rec('1', '2001:DB8:0::1', { type: 'AAAA', ttl: 1 })]), { values: ['2001:db8::1'], ttl: 1 });
  });

  it('TTL: below 60 is sent as 60, above a day as a day', () => {
    assert.equal(cloudflareTtl(1), 60);
    assert.equal(cloudflareTtl(30), 60);
    assert.equal(cloudflareTtl(300), 300);
    assert.equal(cloudflareTtl(100_000), 86_400);
  });
});

describe('cloudflare: error kinds', () => {
  it('401/403 and the auth error codes are auth errors', () => {
    assert.equal(envelope(403, [{ code: 9109, message: 'Invalid access token' }]).kind, 'auth');
    assert.equal(envelope(401, []).kind, 'auth');
    assert.equal(envelope(400, [{ code: 6003, message: 'Invalid request headers' }]).kind, 'auth');
    assert.equal(envelope(400, [{ code: 10000, message: 'Authentication error' }]).kind, 'auth');
  });

  it('429 is rate-limited with its retry-after, or 5 minutes without one', () => {
    const e1 = envelope(429, [{ code: 971, message: 'Please wait' }], { 'retry-after': '42' });
    assert.equal(e1.kind, 'rate-limited');
    assert.equal(e1.retryAfterMs, 42_000);
    assert.equal(envelope(429, []).retryAfterMs, 300_000);
  });

  it('5xx is transient; 81053 and other 4xx are fatal with Cloudflare\'s message and code', () => {
    assert.equal(envelope(502, []).kind, 'transient');
    const e = envelope(400, [{ code: 81053, message: 'An A, AAAA, or CNAME record with that host already exists.' }]);
    assert.equal(e.kind, 'fatal');
    assert.equal(e.code, '81053');
    assert.match(e.message, /HTTP 400: An A, AAAA, or CNAME record with that host already exists\. \(81053\)/);
  });

  it('a body that is not JSON still gives a status-only message', () => {
    const e = classifyCloudflareError(502, '<html>bad gateway</html>', {});
    assert.equal(e.kind, 'transient');
    assert.equal(e.message, 'HTTP 502');
  });
});

describe('cloudflare: write plan', () => {
  it('nothing to do when the records already hold the values and TTL', () => {
    assert.deepEqual(plan([rec('1', '192.0.2.1')], ['192.0.2.1']), { deletes: [], patches: [], posts: [] });
  });

  it('failover, one record: patched in place (content and TTL), whoever made it', () => {
    assert.deepEqual(plan([rec('1', '192.0.2.1', { ttl: 300 })], ['192.0.2.2']), { deletes: [], patches: [{ id: '1', content: '192.0.2.2', ttl: 60 }], posts: [] });
  });

  it('a proxied record keeps Cloudflare\'s automatic TTL: no TTL patch, content only', () => {
    assert.deepEqual(plan([rec('1', '192.0.2.1', { ttl: 1, proxied: true })], ['192.0.2.1']), { deletes: [], patches: [], posts: [] });
    assert.deepEqual(plan([rec('1', '192.0.2.1', { ttl: 1, proxied: true })], ['192.0.2.2']), { deletes: [], patches: [{ id: '1', content: '192.0.2.2' }], posts: [] });
  });

  it('only a TTL change patches the TTL alone', () => {
    assert.deepEqual(plan([rec('1', '192.0.2.1', { ttl: 1 })], ['192.0.2.1'], 120), { deletes: [], patches: [{ id: '1', ttl: 120 }], posts: [] });
  });

  it('no record: one post', () => {
    assert.deepEqual(plan([], ['192.0.2.1']), { deletes: [], patches: [], posts: ['192.0.2.1'] });
  });

  it('several records, one value: the foreign one is reused, dnsfail\'s are deleted', () => {
    assert.deepEqual(plan([owned('1', '192.0.2.1'), rec('2', '192.0.2.2'), owned('3', '192.0.2.3')], ['192.0.2.9']), {
      deletes: ['1', '3'],
      patches: [{ id: '2', content: '192.0.2.9', ttl: 60 }],
      posts: [],
    });
  });

  it('several foreign records that cannot all be reused: a conflict naming how many, before anything is sent', () => {
    assert.throws(
      () => plan([rec('1', '192.0.2.1'), rec('2', '192.0.2.2'), rec('3', '192.0.2.3')], ['192.0.2.9']),
      (e: unknown) => e instanceof ProviderError && e.kind === 'conflict' && /has 2 more records \(192\.0\.2\.2, 192\.0\.2\.3\) not created by dnsfail/.test(e.message),
    );
  });

  it('multi-value: keeps wanted records, deletes unwanted dnsfail ones, posts the rest', () => {
    const existing = [rec('1', '192.0.2.1'), owned('2', '192.0.2.2'), owned('3', '192.0.2.3')];
    assert.deepEqual(plan(existing, ['192.0.2.1', '192.0.2.3']), { deletes: ['2'], patches: [], posts: [] });
    assert.deepEqual(plan(existing, ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5']), { deletes: [], patches: [], posts: ['192.0.2.4', '192.0.2.5'] });
  });

  it('multi-value: an unwanted foreign record is never deleted', () => {
    assert.throws(() => plan([rec('1', '192.0.2.1'), owned('2', '192.0.2.2')], ['192.0.2.2']), (e: unknown) => e instanceof ProviderError && e.kind === 'conflict');
  });

  it('empty values delete dnsfail\'s records only', () => {
    assert.deepEqual(plan([owned('1', '192.0.2.1'), owned('2', '192.0.2.2', { comment: `${OWNER_COMMENT} (pool)` })], []), { deletes: ['1', '2'], patches: [], posts: [] });
    assert.throws(() => plan([rec('1', '192.0.2.1')], []), (e: unknown) => e instanceof ProviderError && e.kind === 'conflict');
  });

  it('IPv6 contents compare by address, not spelling', () => {
    const existing = [rec('1', '2001:DB8:0:0::1', { type: 'AAAA' })];
    assert.deepEqual(planWrite(existing, ['2001:db8::1'], 60, 'app.example.com', 'AAAA'), { deletes: [], patches: [], posts: [] });
  });
});
