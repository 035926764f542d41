import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import { classifyLinodeError, domainFor, linodeTtl, parsePage, toDomain, toRecord } from '../../providers/linode/parse.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const example = { id: 1, name: 'example.com', defaultTtl: 3600 };

describe('linode parse', () => {
  it('TTLs round up to the next stored value, and cap at 28 days', () => {
    assert.deepEqual([1, 30, 31, 120, 121, 300, 301, 86400, 9e9].map(linodeTtl), [30, 30, 120, 120, 300, 300, 3600, 86400, 2419200]);
  });

  it('records: names fully qualified ("" is the apex), ttl_sec 0 is the domain default, odd items skipped', () => {
    const page = parsePage({ data: [{ id: 5, type: 'A', name: '', target: '192.0.2.1', ttl_sec: 0 }, { id: 6, type: 'A', name: 'www', target: '192.0.2.2', ttl_sec: 120 }, { type: 'MX' }, 42], page: 1, pages: 1, results: 4 }, (v) => toRecord(v, example));
    assert.deepEqual(page.items, [
      { type: 'A', name: 'example.com', id: '5', value: '192.0.2.1', ttl: 3600 },
      { type: 'A', name: 'www.example.com', id: '6', value: '192.0.2.2', ttl: 120 },
      { type: 'MX', name: 'example.com' },
    ]);
    assert.equal(page.results, 4);
  });

  it('a list without data, pages or results is transient', () => {
    for (const bad of [null, { data: {} }, { data: [] }, { data: [], pages: 1 }]) {
      assert.throws(() => parsePage(bad, (v) => [v]), (e: unknown) => e instanceof ProviderError && e.kind === 'transient');
    }
  });

  it('domains: ttl_sec 0 means 86400; the longest domain holding a name wins', () => {
    const list = [...toDomain({ id: 1, domain: 'Example.com', ttl_sec: 0 }), ...toDomain({ id: 2, domain: 'sub.example.com', ttl_sec: 300 }), ...toDomain({ id: 'x' })];
    assert.deepEqual(list, [{ id: 1, name: 'example.com', defaultTtl: 86400 }, { id: 2, name: 'sub.example.com', defaultTtl: 300 }]);
    assert.equal(domainFor('a.sub.example.com', list)?.id, 2);
    assert.equal(domainFor('a.example.com', list)?.id, 1);
    assert.equal(domainFor('notexample.com', list), undefined);
  });

  it('errors: 401/403 auth with the reason, 429 rate-limited by Retry-After or X-RateLimit-Reset, 5xx transient, 400 fatal with the field', () => {
    assert.match(classifyLinodeError(401, '{"errors":[{"reason":"Invalid Token"}]}', {}, NOW).message, /^HTTP 401: Invalid Token \(token rejected/);
    assert.equal(classifyLinodeError(403, '', {}, NOW).kind, 'auth');
    assert.equal(classifyLinodeError(429, '', { 'retry-after': '7' }, NOW).retryAfterMs, 7000);
    assert.equal(classifyLinodeError(429, '', { 'x-ratelimit-reset': String(NOW / 1000 + 20) }, NOW).retryAfterMs, 20_000);
    assert.equal(classifyLinodeError(500, 'oops', {}, NOW).kind, 'transient');
    const e400 = classifyLinodeError(400, '{"errors":[{"field":"target","reason":"You must provide a valid IPv4 address."}]}', {}, NOW);
    assert.equal(e400.kind, 'fatal');
    assert.equal(e400.message, 'HTTP 400: target: You must provide a valid IPv4 address.');
  });
});
