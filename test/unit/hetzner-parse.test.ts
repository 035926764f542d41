import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyHetznerError, currentOf, parseAction, parseRrsetPage, rateLimitWaitMs, rrName } from '../../providers/hetzner/parse.js';
import { zoneCandidates } from '../../providers/kit/dns-name.js';

const A = { name: 'app.example.com', type: 'A' as const };
const page = (rrsets: unknown[], next: number | null = null) => ({ meta: { pagination: { page: 1, per_page: 100, previous_page: null, next_page: next, last_page: 1, total_entries: rrsets.length } }, rrsets });

describe('hetzner parse', () => {
  it('reads RRSets and the next page, skipping entries without name, type or records', () => {
    const p = parseRrsetPage(page([
      { id: 'app/A', name: 'app', type: 'A', ttl: 300, records: [{ value: '192.0.2.1' }, { value: '192.0.2.2', comment: 'x' }] },
      { id: 'app/AAAA', name: 'app', type: 'AAAA', ttl: null, records: [{ value: '2001:db8:0::1' }] },
      { id: 'x/TXT', name: 'x', type: 'TXT' },
      { type: 'A', records: [] },
    ], 2));
    assert.equal(p.nextPage, 2);
    assert.equal(p.rrsets.length, 2);
    assert.deepEqual(currentOf(p.rrsets, 'app', A), { values: ['192.0.2.1', '192.0.2.2'], ttl: 300 });
    assert.deepEqual(currentOf(p.rrsets, 'app', { ...A, type: 'AAAA' }), { values: ['2001:db8::1'] }, 'zone-default TTL: unknown');
    assert.equal(parseRrsetPage(page([])).nextPage, null);
    assert.throws(() => parseRrsetPage({ error: {} }), /without "rrsets"/);
  });

  it('a CNAME at the name is returned as such', () => {
    const p = parseRrsetPage(page([{ name: 'app', type: 'CNAME', ttl: 60, records: [{ value: 'Target.Example.net.' }] }]));
    assert.deepEqual(currentOf(p.rrsets, 'app', A), { values: [], cname: 'target.example.net' });
  });

  it('actions: status and error; a body without one is transient', () => {
    assert.deepEqual(parseAction({ action: { id: 7, status: 'running', error: null } }), { id: 7, status: 'running' });
    assert.deepEqual(parseAction({ action: { id: 7, status: 'error', error: { code: 'action_failed', message: 'Action failed' } } }), { id: 7, status: 'error', error: 'Action failed (action_failed)' });
    assert.throws(() => parseAction({}), (e: unknown) => (e as { kind?: string }).kind === 'transient');
  });

  it('names: "@" is the apex; zone candidates stop above the TLD', () => {
    assert.equal(rrName('example.com', 'example.com'), '@');
    assert.equal(rrName('a.b.example.com', 'example.com'), 'a.b');
    assert.deepEqual(zoneCandidates('a.b.example.com'), ['a.b.example.com', 'b.example.com', 'example.com']);
  });

  it('rate limits: Retry-After if sent, else at most the one second a request takes to refill', () => {
    const now = 1_000_000_000_000;
    assert.equal(rateLimitWaitMs({ 'retry-after': '5' }, now), 5000);
    assert.equal(rateLimitWaitMs({ 'ratelimit-reset': String(now / 1000 + 3000) }, now), 1000);
    assert.equal(rateLimitWaitMs({ 'ratelimit-reset': String(now / 1000 + 0.4) }, now), 400);
    assert.equal(rateLimitWaitMs({}, now), 1000);
  });

  it('classifies the error envelope: 401/403 auth, 429 rate-limited, 5xx and "locked" transient, the rest fatal', () => {
    const body = (code: string) => JSON.stringify({ error: { code, message: 'm', details: null } });
    const k = (s: number, code = 'x') => classifyHetznerError(s, body(code), {}).kind;
    assert.deepEqual([k(401, 'unauthorized'), k(403, 'forbidden'), k(429, 'rate_limit_exceeded'), k(503), k(423, 'locked'), k(400, 'invalid_input'), k(404, 'not_found')], ['auth', 'auth', 'rate-limited', 'transient', 'transient', 'fatal', 'fatal']);
    assert.equal(classifyHetznerError(400, body('invalid_input'), {}).message, 'Hetzner HTTP 400: m (invalid_input)');
    assert.equal(classifyHetznerError(502, '<html>', {}).message, 'Hetzner HTTP 502');
  });
});
