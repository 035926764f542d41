import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import { classifyDigitalOceanError, DEFAULT_RATE_LIMIT_WAIT_MS, digitaloceanTtl, parseRecordPage, recordName } from '../../providers/digitalocean/parse.js';
import { rateLimitWaitMs } from '../../providers/kit/http.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');

describe('digitalocean parse', () => {
  it('a page: names made fully qualified ("@" is the apex), ids as text, items that are not records skipped', () => {
    const page = parseRecordPage(
      {
        domain_records: [
          { id: 1, type: 'A', name: '@', data: '192.0.2.1', ttl: 1800 },
          { id: 2, type: 'a', name: 'WWW', data: '192.0.2.2', ttl: 30 },
          { id: 3, type: 'TXT', name: 'www' },
          'not a record',
          { id: 4, name: 'no-type' },
        ],
        links: { pages: { next: 'https://api.digitalocean.com/v2/domains/example.com/records?page=2' } },
        meta: { total: 7 },
      },
      'example.com',
    );
    assert.deepEqual(page.records, [
      { type: 'A', name: 'example.com', id: '1', value: '192.0.2.1', ttl: 1800 },
      { type: 'A', name: 'www.example.com', id: '2', value: '192.0.2.2', ttl: 30 },
      { type: 'TXT', name: 'www.example.com', id: '3' },
    ]);
    assert.equal(page.total, 7);
    assert.equal(page.hasNext, true);
    assert.equal(parseRecordPage({ domain_records: [], links: {}, meta: { total: 0 } }, 'example.com').hasNext, false);
  });

  it('an answer without domain_records or meta.total is transient (never "no records")', () => {
    for (const bad of [null, {}, { domain_records: {} }, { domain_records: [] }, { domain_records: [], meta: {} }]) {
      assert.throws(() => parseRecordPage(bad, 'example.com'), (e: unknown) => e instanceof ProviderError && e.kind === 'transient');
    }
  });

  it('errors: 401 and 403 are auth, 429 rate-limited with the wait until ratelimit-reset, 5xx transient, 422 fatal', () => {
    const body = JSON.stringify({ id: 'unauthorized', message: 'Unable to authenticate you' });
    const e401 = classifyDigitalOceanError(401, body, {}, NOW);
    assert.equal(e401.kind, 'auth');
    assert.match(e401.message, /^HTTP 401: Unable to authenticate you \(unauthorized\) \(token rejected/);
    assert.equal(classifyDigitalOceanError(403, '', {}, NOW).kind, 'auth');
    const e429 = classifyDigitalOceanError(429, '{"id":"too_many_requests","message":"API Rate limit exceeded."}', { 'ratelimit-reset': String(NOW / 1000 + 12) }, NOW);
    assert.equal(e429.kind, 'rate-limited');
    assert.equal(e429.retryAfterMs, 12_000);
    assert.equal(classifyDigitalOceanError(429, '', {}, NOW).retryAfterMs, DEFAULT_RATE_LIMIT_WAIT_MS);
    assert.equal(classifyDigitalOceanError(503, '<html>', {}, NOW).kind, 'transient');
    assert.equal(classifyDigitalOceanError(422, '{"id":"unprocessable_entity","message":"TTL must be at least 30 seconds."}', {}, NOW).message, 'HTTP 422: TTL must be at least 30 seconds. (unprocessable_entity)');
  });

  it('Retry-After wins over ratelimit-reset; a reset in the past is no wait', () => {
    assert.equal(rateLimitWaitMs({ 'retry-after': '3', 'ratelimit-reset': String(NOW / 1000 + 60) }, 'ratelimit-reset', NOW), 3000);
    assert.equal(rateLimitWaitMs({ 'ratelimit-reset': String(NOW / 1000 - 5) }, 'ratelimit-reset', NOW), 0);
    assert.equal(rateLimitWaitMs({ 'ratelimit-reset': 'soon' }, 'ratelimit-reset', NOW), undefined);
  });

  it('TTL at least 30 s; the apex is written as "@"', () => {
    assert.deepEqual([1, 29.6, 30, 60].map(digitaloceanTtl), [30, 30, 30, 60]);
    assert.equal(recordName(''), '@');
    assert.equal(recordName('a.b'), 'a.b');
  });
});
