import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http, { type RequestListener } from 'node:http';
import { createServer as createTcpServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { hostHeader, probeHttp } from '../../src/health/http.js';
import type { HttpCheck } from '../../src/health/types.js';
import { makeCa, makeLeaf, makeSelfSigned } from '../helpers/certs.js';
import { httpCheck } from '../helpers/checks.js';
import { requireTools } from '../helpers/require-tool.js';
import { freePort, startHttpTarget, type Target } from '../helpers/targets.js';

async function withTarget(opts: Parameters<typeof startHttpTarget>[0], fn: (target: Target) => Promise<void>): Promise<void> {
  const target = await startHttpTarget(opts);
  try {
    await fn(target);
  } finally {
    await target.close();
  }
}

/** A throwaway server for misbehaviour the shared target doesn't model; counts sockets closed by the client. */
async function withServer(
  server: NetServer,
  fn: (port: number, closedSockets: () => number) => Promise<void>,
): Promise<void> {
  const sockets = new Set<Socket>();
  let closed = 0;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => {
      closed++;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  const { port } = server.address() as { port: number };
  try {
    await fn(port, () => closed);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Streams a body forever: `prefix` first, then filler as fast as the client reads. */
function endlessBody(prefix = ''): RequestListener {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write(prefix);
    const filler = Buffer.alloc(16 * 1024, 'x');
    const pump = (): void => {
      while (!res.destroyed && res.write(filler)) {
        /* until the socket buffer is full */
      }
    };
    res.on('drain', pump);
    pump();
  };
}

async function eventually(condition: () => boolean, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (!condition() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return condition();
}

const summary = (r: { healthy: boolean; error?: string }) => ({ healthy: r.healthy, error: r.error });

describe('probeHttp', () => {
  it('is healthy on 200 and sends method, path and the Host header for the public name', async () => {
    await withTarget({}, async (target) => {
      const result = await probeHttp(target.host, httpCheck(target.port));
      assert.deepEqual(summary(result), { healthy: true, error: undefined });
      assert.ok(result.latencyMs > 0 && result.latencyMs < 1000);
      assert.equal(target.hits, 1);
      const req = target.requests[0]!;
      assert.equal(req.method, 'GET');
      assert.equal(req.path, '/health');
      assert.equal(req.headers.host, `www.example.test:${target.port}`);
    });
  });

  it('sends the configured headers, but the Host header always comes from check.host', async () => {
    await withTarget({}, async (target) => {
      const check = httpCheck(target.port, { headers: { 'X-Probe': 'dnsfail', HOST: 'evil.example.test' } });
      assert.equal((await probeHttp(target.host, check)).healthy, true);
      assert.equal(target.requests[0]!.headers['x-probe'], 'dnsfail');
      assert.equal(target.requests[0]!.headers.host, `www.example.test:${target.port}`);
    });
  });

  it('omits the port from the Host header only on the default port, and brackets IPv6 hosts', () => {
    assert.equal(hostHeader({ type: 'http', host: 'www.example.test', port: 80 }), 'www.example.test');
    assert.equal(hostHeader({ type: 'https', host: 'www.example.test', port: 443 }), 'www.example.test');
    assert.equal(hostHeader({ type: 'http', host: 'www.example.test', port: 443 }), 'www.example.test:443');
    assert.equal(hostHeader({ type: 'https', host: 'www.example.test', port: 8443 }), 'www.example.test:8443');
    assert.equal(hostHeader({ type: 'http', host: '2001:db8::1', port: 8080 }), '[2001:db8::1]:8080');
  });

  it('is unhealthy on 503 and says which statuses were expected, without header values', async () => {
    await withTarget({}, async (target) => {
      target.setMode('fail');
      const check = httpCheck(target.port, { headers: { Authorization: 'Bearer s3cr3t-token' } });
      const result = await probeHttp(target.host, check);
      assert.deepEqual(summary(result), { healthy: false, error: 'status 503 (expected 200-399)' });
      assert.equal(target.requests[0]!.headers.authorization, 'Bearer s3cr3t-token');
    });
  });

  it('judges the status against every configured range', async () => {
    await withTarget({}, async (target) => {
      target.setMode('fail');
      assert.equal((await probeHttp(target.host, httpCheck(target.port, { expectStatus: [[503, 503]] }))).healthy, true);
      target.setMode('ok');
      const narrow = httpCheck(target.port, { expectStatus: [[201, 204], [500, 599]] });
      assert.deepEqual(summary(await probeHttp(target.host, narrow)), {
        healthy: false,
        error: 'status 200 (expected 201-204, 500-599)',
      });
    });
  });

  it('supports HEAD', async () => {
    await withTarget({}, async (target) => {
      const result = await probeHttp(target.host, httpCheck(target.port, { method: 'HEAD' }));
      assert.equal(result.healthy, true, result.error);
      assert.equal(target.requests[0]!.method, 'HEAD');
    });
  });

  it('never follows a redirect: a 302 is healthy by default and unhealthy with 200-299', async () => {
    await withTarget({}, async (target) => {
      target.setMode('redirect');
      assert.equal((await probeHttp(target.host, httpCheck(target.port))).healthy, true);
      const strict = await probeHttp(target.host, httpCheck(target.port, { expectStatus: [[200, 299]] }));
      assert.deepEqual(summary(strict), { healthy: false, error: 'status 302 (expected 200-299)' });
      assert.deepEqual(target.requests.map((r) => r.path), ['/health', '/health']);
    });
  });

  it('matches the body by substring', async () => {
    await withTarget({}, async (target) => {
      const check = httpCheck(target.port, { expectBody: { kind: 'substring', text: 'ok' } });
      assert.equal((await probeHttp(target.host, check)).healthy, true);
      target.setMode('wrong-body');
      assert.deepEqual(summary(await probeHttp(target.host, check)), { healthy: false, error: 'body did not contain "ok"' });
    });
  });

  it('matches the body by regex, with flags', async () => {
    await withTarget({ body: 'Status: OK\n' }, async (target) => {
      const check = httpCheck(target.port, { expectBody: { kind: 'regex', source: '^status: ok$', flags: 'im' } });
      assert.equal((await probeHttp(target.host, check)).healthy, true);
      const caseSensitive = httpCheck(target.port, { expectBody: { kind: 'regex', source: '^status: ok$', flags: 'm' } });
      assert.deepEqual(summary(await probeHttp(target.host, caseSensitive)), {
        healthy: false,
        error: 'body did not match /^status: ok$/m',
      });
    });
  });

  it('looks for the body match only within maxBodyBytes', async () => {
    await withTarget({ body: `${'-'.repeat(100)}ok` }, async (target) => {
      const within = httpCheck(target.port, { expectBody: { kind: 'substring', text: 'ok' }, maxBodyBytes: 102 });
      assert.equal((await probeHttp(target.host, within)).healthy, true);
      const beyond = httpCheck(target.port, { expectBody: { kind: 'substring', text: 'ok' }, maxBodyBytes: 101 });
      assert.deepEqual(summary(await probeHttp(target.host, beyond)), { healthy: false, error: 'body did not contain "ok"' });
    });
  });

  it('stops reading an endless body at maxBodyBytes and closes the connection', async () => {
    await withServer(http.createServer(endlessBody()), async (port, closedSockets) => {
      const check = httpCheck(port, { expectBody: { kind: 'substring', text: 'needle' }, maxBodyBytes: 64 * 1024, timeoutMs: 1500 });
      const result = await probeHttp('127.0.0.2', check);
      assert.deepEqual(summary(result), { healthy: false, error: 'body did not contain "needle"' });
      assert.ok(result.latencyMs < 1500, `latency ${result.latencyMs}`);
      assert.ok(await eventually(() => closedSockets() === 1, 1000), 'the probe should have closed its connection');
    });
    await withServer(http.createServer(endlessBody('needle')), async (port) => {
      const check = httpCheck(port, { expectBody: { kind: 'substring', text: 'needle' }, maxBodyBytes: 64 * 1024, timeoutMs: 1500 });
      const result = await probeHttp('127.0.0.2', check);
      assert.equal(result.healthy, true, result.error);
    });
  });

  it('times out on a body that trickles forever', async () => {
    const trickle: RequestListener = (_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'), 20);
      res.once('close', () => clearInterval(timer));
    };
    await withServer(http.createServer(trickle), async (port) => {
      const check = httpCheck(port, { expectBody: { kind: 'substring', text: 'ok' }, timeoutMs: 300 });
      const result = await probeHttp('127.0.0.2', check);
      assert.deepEqual(summary(result), { healthy: false, error: 'timeout after 300ms' });
      assert.ok(result.latencyMs < 600, `latency ${result.latencyMs}`);
    });
  });

  it('times out on headers that trickle forever (slow loris)', async () => {
    const slowLoris = createTcpServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\n');
      const timer = setInterval(() => socket.write('X-Padding: a\r\n'), 20);
      socket.once('close', () => clearInterval(timer));
    });
    await withServer(slowLoris, async (port) => {
      const result = await probeHttp('127.0.0.2', httpCheck(port, { timeoutMs: 300 }));
      assert.deepEqual(summary(result), { healthy: false, error: 'timeout after 300ms' });
      assert.ok(result.latencyMs < 600, `latency ${result.latencyMs}`);
    });
  });

  it('times out on a slow answer and on one that never comes', async () => {
    await withTarget({}, async (target) => {
      for (const mode of ['slow', 'hang'] as const) {
        target.setMode(mode);
        const result = await probeHttp(target.host, httpCheck(target.port, { timeoutMs: 300 }));
        assert.deepEqual(summary(result), { healthy: false, error: 'timeout after 300ms' }, mode);
        assert.ok(result.latencyMs >= 290 && result.latencyMs < 600, `${mode} latency ${result.latencyMs}`);
      }
    });
  });

  it('reports a refused connection as "connect ECONNREFUSED"', async () => {
    const port = await freePort('127.0.0.2');
    assert.deepEqual(summary(await probeHttp('127.0.0.2', httpCheck(port))), { healthy: false, error: 'connect ECONNREFUSED' });
  });

  it('reports a connection closed before any answer', async () => {
    await withServer(createTcpServer((socket) => socket.once('data', () => socket.destroy())), async (port) => {
      const result = await probeHttp('127.0.0.2', httpCheck(port));
      assert.deepEqual(summary(result), { healthy: false, error: 'ECONNRESET while waiting for the response' });
    });
  });

  it('opens a fresh connection per probe, so each probe reaches the address it names', async () => {
    await withTarget({ host: '127.0.0.2' }, async (up) => {
      await withTarget({ host: '127.0.0.3', port: up.port }, async (down) => {
        down.setMode('fail');
        const check = httpCheck(up.port);
        assert.equal((await probeHttp('127.0.0.2', check)).healthy, true);
        assert.equal((await probeHttp('127.0.0.2', check)).healthy, true);
        assert.equal((await probeHttp('127.0.0.3', check)).error, 'status 503 (expected 200-399)');
        assert.equal(up.connections, 2);
        assert.equal(down.connections, 1);
        assert.equal(up.requests[0]!.headers.connection, 'close');
      });
    });
  });

  it('connects to an IPv6 literal', async () => {
    await withTarget({ host: '::1' }, async (target) => {
      const result = await probeHttp('::1', httpCheck(target.port));
      assert.equal(result.healthy, true, result.error);
      assert.equal(target.requests[0]!.headers.host, `www.example.test:${target.port}`);
    });
  });

  it('stops when the signal aborts', async () => {
    await withTarget({}, async (target) => {
      target.setMode('hang');
      const started = performance.now();
      const result = await probeHttp(target.host, httpCheck(target.port, { timeoutMs: 5000 }), AbortSignal.timeout(100));
      assert.deepEqual(summary(result), { healthy: false, error: 'aborted' });
      assert.ok(performance.now() - started < 2000);
    });
  });

  it('reports a bad regex as unhealthy instead of throwing', async () => {
    await withTarget({}, async (target) => {
      const check = httpCheck(target.port, { expectBody: { kind: 'regex', source: '(', flags: '' } });
      const result = await probeHttp(target.host, check);
      assert.equal(result.healthy, false);
      assert.match(result.error ?? '', /Invalid regular expression/);
      assert.equal(target.hits, 0);
    });
  });
});

describe('probeHttp over TLS', () => {
  const alias = 'alias.example.test';
  const httpsCheck = (port: number, overrides: Partial<HttpCheck> = {}): HttpCheck =>
    httpCheck(port, { type: 'https', host: alias, ...overrides });
  const needOpenssl = (t: TestContext): boolean => requireTools(t, ['openssl'], 'apt-get install openssl') !== null;

  it('verifies a certificate for the alias only, with SNI and Host set to the alias and the CA from caFile', async (t) => {
    if (!needOpenssl(t)) return;
    const ca = makeCa();
    await withTarget({ tls: makeLeaf(ca, { dnsNames: [alias] }) }, async (target) => {
      const result = await probeHttp(target.host, httpsCheck(target.port, { caFile: ca.certFile }));
      assert.equal(result.healthy, true, result.error);
      assert.equal(target.requests[0]!.servername, alias);
      assert.equal(target.requests[0]!.headers.host, `${alias}:${target.port}`);
    });
  });

  it('rejects the certificate for any other name', async (t) => {
    if (!needOpenssl(t)) return;
    const ca = makeCa();
    await withTarget({ tls: makeLeaf(ca, { dnsNames: [alias] }) }, async (target) => {
      const result = await probeHttp(target.host, httpsCheck(target.port, { host: 'www.example.test', caFile: ca.certFile }));
      assert.equal(result.healthy, false);
      assert.match(result.error ?? '', /^TLS: certificate name mismatch \(Hostname\/IP does not match certificate's altnames/);
      assert.equal(target.hits, 0);
    });
  });

  it('rejects a certificate from a CA it was not told to trust', async (t) => {
    if (!needOpenssl(t)) return;
    await withTarget({ tls: makeLeaf(makeCa(), { dnsNames: [alias] }) }, async (target) => {
      const result = await probeHttp(target.host, httpsCheck(target.port));
      assert.equal(result.healthy, false);
      assert.match(result.error ?? '', /^TLS: unable to verify the certificate/);
    });
  });

  it('rejects an expired certificate', async (t) => {
    if (!needOpenssl(t)) return;
    const ca = makeCa();
    await withTarget({ tls: makeLeaf(ca, { dnsNames: [alias], expired: true }) }, async (target) => {
      const result = await probeHttp(target.host, httpsCheck(target.port, { caFile: ca.certFile }));
      assert.deepEqual(summary(result), { healthy: false, error: 'TLS: certificate has expired' });
    });
  });

  it('rejects a self-signed certificate unless insecure', async (t) => {
    if (!needOpenssl(t)) return;
    await withTarget({ tls: makeSelfSigned([alias]) }, async (target) => {
      const strict = await probeHttp(target.host, httpsCheck(target.port));
      assert.deepEqual(summary(strict), { healthy: false, error: 'TLS: self-signed certificate' });
      const insecure = await probeHttp(target.host, httpsCheck(target.port, { insecure: true, host: 'other.example.test' }));
      assert.equal(insecure.healthy, true, insecure.error);
    });
  });

  it('verifies against an IP literal host without sending it as SNI', async (t) => {
    if (!needOpenssl(t)) return;
    const ca = makeCa();
    await withTarget({ tls: makeLeaf(ca, { dnsNames: [alias], ipSans: ['127.0.0.2'] }) }, async (target) => {
      const byIp = await probeHttp(target.host, httpsCheck(target.port, { host: '127.0.0.2', caFile: ca.certFile }));
      assert.equal(byIp.healthy, true, byIp.error);
      assert.equal(target.requests[0]!.servername, undefined);
      const otherIp = await probeHttp(target.host, httpsCheck(target.port, { host: '127.0.0.9', caFile: ca.certFile }));
      assert.match(otherIp.error ?? '', /^TLS: certificate name mismatch/);
    });
  });

  it('reads caFile once per path', async (t) => {
    if (!needOpenssl(t)) return;
    const ca = makeCa();
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-cafile-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const caFile = join(dir, 'ca.pem');
    copyFileSync(ca.certFile, caFile);
    await withTarget({ tls: makeLeaf(ca, { dnsNames: [alias] }) }, async (target) => {
      assert.equal((await probeHttp(target.host, httpsCheck(target.port, { caFile }))).healthy, true);
      writeFileSync(caFile, 'not a certificate');
      const again = await probeHttp(target.host, httpsCheck(target.port, { caFile }));
      assert.equal(again.healthy, true, again.error);
    });
  });

  it('reports an unreadable or non-PEM caFile without connecting', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-cafile-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const notPem = join(dir, 'not-pem.txt');
    writeFileSync(notPem, 'hello\n');
    await withTarget({}, async (target) => {
      const missing = await probeHttp(target.host, httpsCheck(target.port, { caFile: join(dir, 'missing.pem') }));
      assert.deepEqual(summary(missing), { healthy: false, error: `cannot read caFile ${join(dir, 'missing.pem')}: ENOENT` });
      const garbage = await probeHttp(target.host, httpsCheck(target.port, { caFile: notPem }));
      assert.deepEqual(summary(garbage), { healthy: false, error: `caFile ${notPem} holds no PEM certificate` });
      assert.equal(target.connections, 0);
    });
  });

  it('says so when an https check meets a plain HTTP port', async () => {
    await withTarget({}, async (target) => {
      const result = await probeHttp(target.host, httpsCheck(target.port, { insecure: true }));
      assert.deepEqual(summary(result), { healthy: false, error: 'TLS: handshake failed (is the port serving plain HTTP?)' });
    });
  });
});
