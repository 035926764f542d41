import assert from 'node:assert/strict';
import http, { type RequestListener } from 'node:http';
import { createServer as createTcpServer, type Server as NetServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { probeHttp } from '../../src/health/http.js';
import { runChecks } from '../../src/health/run-checks.js';
import type { HttpCheck, ProbeTarget } from '../../src/health/types.js';

import { httpCheck } from '../helpers/checks.js';

const HOST = '127.0.0.7';

interface Faulty {
  port: number;
  /** Connections the client (or anyone) closed so far. */
  closed(): number;
  /** Bytes the server managed to write, across connections. */
  bytesWritten(): number;
  close(): Promise<void>;
}

async function startFaulty(server: NetServer): Promise<Faulty> {
  const sockets = new Set<Socket>();
  let closed = 0;
  let written = 0;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => {
      closed++;
      written += socket.bytesWritten;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    closed: () => closed,
    bytesWritten: () => written + [...sockets].reduce((n, s) => n + s.bytesWritten, 0),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function withFaulty(server: NetServer, fn: (f: Faulty) => Promise<void>): Promise<void> {
  const faulty = await startFaulty(server);
  try {
    await fn(faulty);
  } finally {
    await faulty.close();
  }
}

async function eventually(condition: () => boolean, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (!condition() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return condition();
}

/** Complete headers and the first bytes of a 100-byte body, then a TCP reset. */
const resetMidBody = (): NetServer =>
  createTcpServer((socket) =>
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nok, so far');
      setTimeout(() => socket.resetAndDestroy(), 20);
    }),
  );

const summary = (r: { healthy: boolean; error?: string }) => ({ healthy: r.healthy, error: r.error });

describe('probeHttp against faulty servers, without expectBody', () => {
  it('is down when the connection is reset after the headers, in the middle of the body', async () => {
    await withFaulty(resetMidBody(), async ({ port }) => {
      const result = await probeHttp(HOST, httpCheck(port));
      assert.deepEqual(summary(result), { healthy: false, error: 'ECONNRESET while reading the body' });
    });
  });

  it('is down when the server closes before sending the content-length it announced', async () => {
    const shortBody = createTcpServer((socket) => socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nok')));
    await withFaulty(shortBody, async ({ port }) => {
      const result = await probeHttp(HOST, httpCheck(port));
      assert.deepEqual(summary(result), { healthy: false, error: 'ECONNRESET while reading the body' });
    });
  });

  it('is down at the deadline when a 200 response never ends (chunked, a chunk every 50 ms)', async () => {
    const neverEnds: RequestListener = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('still going\n'), 50);
      res.once('close', () => clearInterval(timer));
    };
    await withFaulty(http.createServer(neverEnds), async ({ port, closed }) => {
      const result = await probeHttp(HOST, httpCheck(port, { timeoutMs: 400 }));
      assert.deepEqual(summary(result), { healthy: false, error: 'timeout after 400ms' });
      assert.ok(result.latencyMs >= 390 && result.latencyMs < 800, `latency ${result.latencyMs}`);
      assert.ok(await eventually(() => closed() === 1, 1000), 'the probe should have closed its connection');
    });
  });

  it('reads an endless 200 body (no content-length) only up to maxBodyBytes, then closes and judges by status', async () => {
    const endless: RequestListener = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }); // no content-length: the body ends when the connection does
      const filler = Buffer.alloc(16 * 1024, 'x');
      const pump = (): void => {
        while (!res.destroyed && res.write(filler)) {
          /* until the socket buffer is full */
        }
      };
      res.on('drain', pump);
      pump();
    };
    await withFaulty(http.createServer(endless), async ({ port, closed, bytesWritten }) => {
      const result = await probeHttp(HOST, httpCheck(port, { maxBodyBytes: 32 * 1024, timeoutMs: 3000 }));
      assert.deepEqual(summary(result), { healthy: true, error: undefined });
      assert.ok(result.latencyMs < 1500, `latency ${result.latencyMs}`);
      assert.ok(await eventually(() => closed() === 1, 1000), 'the server should see the connection closed');
      // Socket buffers on both sides hold a few MB at most; an unbounded read would go on for 3 s at GB/s.
      assert.ok(bytesWritten() < 64 * 1024 * 1024, `server wrote ${bytesWritten()} bytes`);
    });
  });

  it('is still healthy on a complete answer and on a HEAD answer that announces a body it does not send', async () => {
    const fine = createTcpServer((socket) =>
      socket.on('data', (d) => {
        const head = d.toString().startsWith('HEAD');
        socket.end(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n${head ? '' : 'ok'}`);
      }),
    );
    await withFaulty(fine, async ({ port }) => {
      assert.deepEqual(summary(await probeHttp(HOST, httpCheck(port))), { healthy: true, error: undefined });
      assert.deepEqual(summary(await probeHttp(HOST, httpCheck(port, { method: 'HEAD' }))), { healthy: true, error: undefined });
    });
  });

  it('reports a wrong status at once, without waiting for a body that never comes', async () => {
    const hangingBody = createTcpServer((socket) => socket.once('data', () => socket.write('HTTP/1.1 503 Busy\r\ncontent-length: 100\r\n\r\n')));
    await withFaulty(hangingBody, async ({ port }) => {
      const result = await probeHttp(HOST, httpCheck(port, { timeoutMs: 2000 }));
      assert.deepEqual(summary(result), { healthy: false, error: 'status 503 (expected 200-399)' });
      assert.ok(result.latencyMs < 1000, `latency ${result.latencyMs}`);
    });
  });
});

describe('probeHttp over TLS against servers that break the handshake', () => {
  const httpsCheck = (port: number): HttpCheck => httpCheck(port, { type: 'https', host: 'www.example.test' });

  it('says the TCP connect worked when the server drops the connection after the ClientHello', async () => {
    const dropsHello = createTcpServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    await withFaulty(dropsHello, async ({ port }) => {
      const result = await probeHttp(HOST, httpsCheck(port));
      assert.deepEqual(summary(result), { healthy: false, error: 'ECONNRESET during the TLS handshake' });
    });
  });

  it('reports the alert of a server that knows no certificate for the SNI name (nginx ssl_reject_handshake)', async () => {
    let sawName = false;
    const rejectsName = createTcpServer((socket) =>
      socket.once('data', (hello: Buffer) => {
        sawName = hello.includes(Buffer.from('www.example.test'));
        socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 112])); // fatal alert: unrecognized_name
      }),
    );
    await withFaulty(rejectsName, async ({ port }) => {
      const result = await probeHttp(HOST, httpsCheck(port));
      assert.deepEqual(summary(result), { healthy: false, error: 'TLS: handshake failed (tlsv1 unrecognized name)' });
      assert.ok(sawName, 'the ClientHello carried the name as SNI');
    });
  });
});

describe('runChecks with several hanging servers', () => {
  it('finishes in about one timeout, not one per hanging server, and keeps each reason', async () => {
    // Accepts, reads the request, answers nothing: the same wait as a black hole, seen from the deadline.
    const silent = createTcpServer(() => {});
    const refusedPort = await new Promise<number>((resolve) => {
      const s = createTcpServer().listen(0, HOST, () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    await withFaulty(silent, async ({ port }) => {
      const timeoutMs = 400;
      const targets: ProbeTarget[] = [1, 2, 3, 4].map((i) => ({
        address: HOST,
        check: httpCheck(port, { timeoutMs, path: `/hang-${i}` }),
        recordName: 'app.example.test',
      }));
      targets.push({ address: HOST, check: httpCheck(refusedPort, { timeoutMs }), recordName: 'app.example.test' });
      const started = performance.now();
      const results = await runChecks(targets, { concurrency: 64 });
      const ms = performance.now() - started;
      assert.deepEqual(results.map((r) => r.error), [...Array(4).fill(`timeout after ${timeoutMs}ms`), 'connect ECONNREFUSED']);
      assert.ok(ms < 2 * timeoutMs, `4 hanging probes took ${Math.round(ms)}ms with a ${timeoutMs}ms timeout`);
    });
  });
});
