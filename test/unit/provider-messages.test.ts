import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { classifyCloudflareError } from '../../providers/cloudflare/parse.js';
import { ProviderError } from '../../providers/kit/errors.js';
import { createHttpClient, defaultHttpError, noAnswer } from '../../providers/kit/http.js';
import { describeHold, holdFromError } from '../../src/app/holds.js';

/** Messages a provider failure gets: the real length of a backoff, the host:port that did not answer. */

const NOW = new Date('2030-01-01T00:00:00.000Z');
const CF_429 = JSON.stringify({ success: false, errors: [{ code: 971, message: 'Please wait and consider throttling your request speed' }] });

const backoffText = (e: ProviderError) => {
  const hold = holdFromError(e, {}, NOW, `write failed: ${e.message}`);
  assert.ok(hold, 'a backoff hold');
  return describeHold(hold);
};

describe('a 429 backoff states the wait it really applies', () => {
  const rows: Array<{ name: string; error: ProviderError; says: RegExp[]; never?: RegExp }> = [
    {
      name: 'Cloudflare, Retry-After: 120',
      error: classifyCloudflareError(429, CF_429, { 'retry-after': '120' }),
      says: [/^backing off for 2m \(until 2030-01-01T00:02:00\.000Z\)/, /\(rate limited; Retry-After 120s\)/],
      never: /5 minutes/,
    },
    {
      name: 'Cloudflare, no Retry-After: its documented 5-minute block',
      error: classifyCloudflareError(429, CF_429, {}),
      says: [/^backing off for 5m \(until 2030-01-01T00:05:00\.000Z\)/, /no Retry-After: Cloudflare blocks every call for 5 minutes/],
    },
    {
      name: 'another HTTP API, Retry-After: 45',
      error: defaultHttpError('PowerDNS PATCH /zones/example.test.', 429, { 'retry-after': '45' }),
      says: [/^backing off for 45s \(until 2030-01-01T00:00:45\.000Z\)/],
    },
    {
      name: 'Retry-After as an HTTP date, 90 minutes ahead',
      error: defaultHttpError('Route 53 POST /rrset', 429, { 'retry-after': new Date(Date.now() + 90 * 60_000).toUTCString() }),
      says: [/^backing off for 90m /],
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const text = backoffText(row.error);
      for (const re of row.says) assert.match(text, re);
      if (row.never) assert.doesNotMatch(text, row.never);
    });
  }
});

describe('an endpoint that does not answer is named host:port, nothing more of its URL', () => {
  const url = new URL('https://user:SECRET-pass@api.example.test/client/v4?token=SECRET-query');
  const rows: Array<[code: string, expected: string]> = [
    ['ECONNREFUSED', 'connection refused by api.example.test:443 (ECONNREFUSED)'],
    ['ETIMEDOUT', 'timed out: no answer from api.example.test:443 within 10s (ETIMEDOUT)'],
    ['EHOSTUNREACH', 'cannot reach api.example.test:443 (EHOSTUNREACH): no route to it from this machine'],
    ['ENETUNREACH', 'cannot reach api.example.test:443 (ENETUNREACH)'],
    ['ENOTFOUND', 'cannot resolve api.example.test (ENOTFOUND)'],
    ['ECONNRESET', 'api.example.test:443 closed the connection (ECONNRESET)'],
    ['EPROTO', 'EPROTO from api.example.test:443'],
  ];
  for (const [code, expected] of rows) {
    it(code, () => {
      const text = noAnswer(code, url, 10_000);
      assert.ok(text.includes(expected), text);
      assert.doesNotMatch(text, /SECRET|user|client|token/);
    });
  }

  it('an explicit port and an IPv6 literal are kept as written', () => {
    assert.match(noAnswer('ECONNREFUSED', new URL('http://[::1]:8081/api'), 1000), /refused by \[::1\]:8081 /);
    assert.match(noAnswer('ECONNREFUSED', new URL('http://127.0.0.1/'), 1000), /refused by 127\.0\.0\.1:80 /);
  });

  describe('through the HTTP client, on loopback', () => {
    const sockets = new Set<Socket>();
    const servers: Server[] = [];
    after(() => {
      for (const s of sockets) s.destroy();
      for (const s of servers) s.close();
    });
    const listen = async (onConnection?: (s: Socket) => void) => {
      const server = createServer((s) => {
        sockets.add(s);
        onConnection?.(s);
      });
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return (server.address() as { port: number }).port;
    };
    const failure = async (baseUrl: string, timeoutMs: number) => {
      const client = createHttpClient({ baseUrl, userAgent: 'test', service: 'PowerDNS', timeoutMs });
      const e = await client.request('GET', '/api/v1/servers?secret=SECRET-q').then(() => assert.fail('no error'), (x: unknown) => x);
      assert.ok(e instanceof ProviderError && e.kind === 'transient', String(e));
      return e.message;
    };

    it('a closed port: connection refused by 127.0.0.1:PORT, without the URL\'s password', async () => {
      const port = await listen();
      servers.pop()!.close();
      await new Promise((r) => setTimeout(r, 10));
      const text = await failure(`http://admin:SECRET-pw@127.0.0.1:${port}`, 2000);
      assert.equal(text, `PowerDNS GET /api/v1/servers: connection refused by 127.0.0.1:${port} (ECONNREFUSED): nothing listens there, or a firewall refuses`);
    });

    it('a listener that never answers: timed out, naming 127.0.0.1:PORT', async () => {
      const port = await listen();
      const text = await failure(`http://127.0.0.1:${port}`, 300);
      assert.equal(text, `PowerDNS GET /api/v1/servers: timed out: no answer from 127.0.0.1:${port} within 0.3s (ETIMEDOUT)`);
    });
  });
});
