import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import {
  classifyCloudflareError,
  cloudflareTtl,
  contentFor,
  envelopeResult,
  isLastPage,
  OWNER_COMMENT,
  parseListedRecord,
  parseRecordPage,
  parseZoneList,
  planWrite,
  recordsToCurrent,
  recordValue,
  spoils,
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
const A = { type: 'A', name: 'app.example.com' } as const;
const plan = (existing: CfRecord[], values: string[], ttl = 60) => planWrite(existing, values, ttl, 'app.example.com', 'A');
const envelope = (status: number, errors: { code: number; message: string }[], headers: Record<string, string> = {}) =>
  classifyCloudflareError(status, JSON.stringify({ success: false, errors, messages: [], result: null }), headers);

describe('cloudflare: reading answers', () => {
  it('zone candidates walk up the labels, never to the bare TLD', () => {
    assert.deepEqual(zoneCandidates('a.b.example.com'), ['a.b.example.com', 'b.example.com', 'example.com']);
    assert.deepEqual(zoneCandidates('example.com'), ['example.com']);
  });

  it('reads a record page and its paging facts; total_pages is not one of them', () => {
    const page = parseRecordPage({
      success: true,
      errors: [],
      result: [{ id: 'r1', type: 'A', name: 'App.Example.com.', content: '192.0.2.1', ttl: 1, proxied: true, comment: 'hand made' }],
      result_info: { page: 1, per_page: 1, count: 1, total_count: 3, total_pages: 1 },
    });
    assert.deepEqual(
      { size: page.size, perPage: page.perPage, totalCount: page.totalCount },
      { size: 1, perPage: 1, totalCount: 3 },
    );
    assert.deepEqual(page.records, [{ id: 'r1', type: 'A', name: 'app.example.com', content: '192.0.2.1', ttl: 1, proxied: true, comment: 'hand made' }]);
    assert.deepEqual(page.odd, []);
  });

  it('paging: the next page until a short or empty page, or total_count items (2024 answers have no total_pages)', () => {
    // A full page of the 2024 envelope (count, page, per_page, total_count): more to come.
    assert.equal(isLastPage({ size: 50, perPage: 50, totalCount: 120 }, 50, 50), false);
    assert.equal(isLastPage({ size: 50, perPage: 50, totalCount: 120 }, 100, 50), false);
    assert.equal(isLastPage({ size: 20, perPage: 50, totalCount: 120 }, 120, 50), true);
    // total_count reached on a full page: no empty page asked for.
    assert.equal(isLastPage({ size: 50, perPage: 50, totalCount: 100 }, 100, 50), true);
    // No total_count: a full page asks for the next; the server's per_page (smaller than asked) is what "full" means.
    assert.equal(isLastPage({ size: 3, perPage: 3 }, 3, 5000), false);
    assert.equal(isLastPage({ size: 3 }, 3, 5000), true);
    assert.equal(isLastPage({ size: 0, perPage: 3, totalCount: 10 }, 6, 5000), true);
    const info = parseZoneList({ success: true, errors: [], messages: [], result: [], result_info: { count: 0, page: 2, per_page: 50, total_count: 50, total_pages: 9 } });
    assert.deepEqual({ perPage: info.perPage, totalCount: info.totalCount, size: info.size }, { perPage: 50, totalCount: 50, size: 0 });
  });

  it('a record of a type dnsfail does not read is skipped whatever its shape (2026: content is optional)', () => {
    assert.equal(parseListedRecord({ id: 's1', type: 'SRV', name: '_sip._tcp.example.com', data: { port: 5060 } }), null);
    assert.equal(parseListedRecord({ id: 't1', type: 'MX', name: 'app.example.com', content: { not: 'a string' } }), null);
    const page = parseRecordPage({
      success: true,
      result: [
        { id: 'h1', type: 'HTTPS', name: 'app.example.com', data: { priority: 1 } },
        { id: 'r1', type: 'A', name: 'app.example.com', content: '192.0.2.1', ttl: 60 },
      ],
    });
    assert.equal(page.size, 2, 'skipped records still count for paging');
    assert.deepEqual(page.records.map((r) => r.id), ['r1']);
    assert.deepEqual(page.odd, []);
  });

  it('an A, AAAA or CNAME record it cannot use is odd, and spoils the read of its name only', () => {
    const noContent = parseListedRecord({ id: 'r2', type: 'A', name: 'App.example.com', ttl: 60 });
    assert.deepEqual(noContent, { type: 'A', name: 'app.example.com', why: 'the A record app.example.com has no content' });
    assert.match((parseListedRecord({ id: 'r3', type: 'AAAA', name: 'v6.example.com', content: '192.0.2.1' }) as { why: string }).why, /not an address/);
    assert.deepEqual(parseListedRecord({ type: 'CNAME', name: 'x.example.com', content: 'y.example.com' }), { type: 'CNAME', name: 'x.example.com', why: 'a listed DNS record lacks its id, type or name' });
    assert.deepEqual(parseListedRecord('junk'), { why: 'a listed DNS record is not an object' });
    const odd = noContent as { type: string; name: string; why: string };
    assert.equal(spoils(odd, { name: 'app.example.com', type: 'A' }), true, 'a malformed record of the managed name and type is never taken for missing');
    assert.equal(spoils(odd, { name: 'app.example.com', type: 'AAAA' }), false);
    assert.equal(spoils(odd, { name: 'other.example.com', type: 'A' }), false);
    assert.equal(spoils({ type: 'CNAME', name: 'app.example.com', why: '' }, { name: 'app.example.com', type: 'AAAA' }), true, 'a broken CNAME at the name');
    assert.equal(spoils({ why: 'no name' }, { name: 'app.example.com', type: 'A' }), true, 'a record without name or type may be anyone\'s');
  });

  it('a 2xx answer with success: false is an error carrying Cloudflare\'s message', () => {
    assert.throws(
      () => envelopeResult({ success: false, errors: [{ code: 1234, message: 'nope' }] }),
      (e: unknown) => e instanceof ProviderError && e.kind === 'fatal' && /nope \(1234\)/.test(e.message),
    );
  });

  it('zone lists keep id and lower-case name', () => {
    assert.deepEqual(parseZoneList({ success: true, result: [{ id: 'z1', name: 'Example.COM' }, { junk: 1 }] }).zones, [{ id: 'z1', name: 'example.com' }]);
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

  it('failover, one record: patched in place (content and TTL), whoever made it; type and name always sent', () => {
    assert.deepEqual(plan([rec('1', '192.0.2.1', { ttl: 300 })], ['192.0.2.2']), { deletes: [], patches: [{ id: '1', ...A, content: '192.0.2.2', ttl: 60 }], posts: [] });
  });

  it('a proxied record keeps Cloudflare\'s automatic TTL: no TTL patch, and its own TTL sent back with new content', () => {
    assert.deepEqual(plan([rec('1', '192.0.2.1', { ttl: 1, proxied: true })], ['192.0.2.1']), { deletes: [], patches: [], posts: [] });
    assert.deepEqual(plan([rec('1', '192.0.2.1', { ttl: 1, proxied: true })], ['192.0.2.2']), { deletes: [], patches: [{ id: '1', ...A, content: '192.0.2.2', ttl: 1 }], posts: [] });
  });

  it('a TTL change alone sends the record whole (both spec versions require type and name; 2024 content too)', () => {
    assert.deepEqual(plan([rec('1', '192.0.2.1', { ttl: 1 })], ['192.0.2.1'], 120), { deletes: [], patches: [{ id: '1', ...A, content: '192.0.2.1', ttl: 120 }], posts: [] });
  });

  it('no record: one post', () => {
    assert.deepEqual(plan([], ['192.0.2.1']), { deletes: [], patches: [], posts: ['192.0.2.1'] });
  });

  it('several records, one value: the foreign one is reused, dnsfail\'s are deleted', () => {
    assert.deepEqual(plan([owned('1', '192.0.2.1'), rec('2', '192.0.2.2'), owned('3', '192.0.2.3')], ['192.0.2.9']), {
      deletes: ['1', '3'],
      patches: [{ id: '2', ...A, content: '192.0.2.9', ttl: 60 }],
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

describe('cloudflare: TXT (the votes of several checkers)', () => {
  const txt = (content: string, over: Partial<CfRecord> = {}): CfRecord => ({ id: 'r1', type: 'TXT', name: 'home._dnsfail.app.example.com', content, ttl: 60, proxied: false, comment: OWNER_COMMENT, ...over });
  it('reads quoted content as its text and bare content (records made before Cloudflare asked for quotes) as it is', () => {
    assert.equal(recordValue(txt('"v=dnsfail1 \\"q\\"" " more"')), 'v=dnsfail1 "q" more');
    assert.equal(recordValue(txt('v=dnsfail1 id=home')), 'v=dnsfail1 id=home');
  });
  it('writes TXT text as one quoted character-string, and sees quoted content of the same text as in sync', () => {
    assert.deepEqual(planWrite([], ['v=x "y"'], 60, 'home._dnsfail.app.example.com', 'TXT'), { deletes: [], patches: [], posts: ['v=x "y"'] });
    assert.equal(contentFor('TXT', 'v=x "y"'), '"v=x \\"y\\""');
    assert.deepEqual(planWrite([txt('"v=x"')], ['v=x'], 60, 'home._dnsfail.app.example.com', 'TXT'), { deletes: [], patches: [], posts: [] });
    assert.deepEqual(planWrite([txt('"old"')], ['new'], 60, 'home._dnsfail.app.example.com', 'TXT').patches.map((p) => p.content), ['"new"']);
  });
});
