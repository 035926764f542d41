import http, { type RequestListener } from 'node:http';
import https from 'node:https';
import { createServer as createTcpServer, type Server as NetServer, type Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import { makeCa, makeLeaf, makeSelfSigned } from './certs.js';
import { freePort } from './targets.js';

/**
 * Loopback servers that each misbehave in one way, for the faults a health check must classify.
 * Every target listens on its own 127.0.0.x and counts what it saw, so a test can check the client's
 * side of the story too (connection closed, bytes sent, request never repeated).
 */
export interface FaultTarget {
  fault: string;
  host: string;
  port: number;
  /** The per-server `check:` for a dnsfail config, as YAML flow text. */
  check: string;
  /** What `servers[].error` must say. */
  expectedError: string | RegExp;
  /** TCP connections accepted. */
  connections: number;
  /** Connections that are closed by now (by either side). */
  closed: number;
  /** Bytes written to clients, over all connections. */
  bytesWritten(): number;
  /** HTTP requests seen (http and https targets only). */
  requests: number;
  /** TLS SNI names the clients sent (https targets with a certificate only). */
  servernames: string[];
  close(): Promise<void>;
}

export interface FaultTargetsOptions {
  /** Timeout written into each per-server check (a check of another type replaces the record's, timeout included). */
  timeoutMs: number;
  /** Name sent as Host and SNI: the record's alias. */
  alias: string;
  /** The body a healthy server answers; the record should expect it (expectBody). */
  body: string;
  /** First host byte: targets get 127.0.0.<firstHost>, <firstHost + 1>, … */
  firstHost?: number;
  /** Leave out the TLS targets (no openssl). */
  withoutTls?: boolean;
}

type Listen = (host: string) => Promise<{ server: NetServer; port: number }>;
interface Spec {
  fault: string;
  type: 'http' | 'https';
  expectedError: string | RegExp;
  listen: Listen | 'refused';
}

/** One target per fault, and the healthy target last. */
export async function startFaultTargets(opts: FaultTargetsOptions): Promise<{ faults: FaultTarget[]; healthy: FaultTarget; caFile: string | undefined }> {
  const timeout = `timeout after ${opts.timeoutMs}ms`;
  const specs: Spec[] = [
    { fault: 'refused (closed port)', type: 'http', expectedError: 'connect ECONNREFUSED', listen: 'refused' },
    { fault: 'accepts, then closes at once', type: 'http', expectedError: /^(ECONNRESET|EPIPE) while waiting for the response$/, listen: tcp(closeAtOnce) },
    { fault: 'accepts, never answers', type: 'http', expectedError: timeout, listen: tcp(() => {}) },
    { fault: 'reset mid-response', type: 'http', expectedError: 'ECONNRESET while reading the body', listen: tcp(resetMidResponse) },
    { fault: 'slow-loris headers (1 byte / 200 ms)', type: 'http', expectedError: timeout, listen: tcp(slowLorisHeaders) },
    { fault: 'header flood', type: 'http', expectedError: 'invalid HTTP response (HPE_HEADER_OVERFLOW)', listen: tcp(headerFlood) },
    { fault: 'response never ends (chunked)', type: 'http', expectedError: timeout, listen: httpServer(neverEndingResponse) },
    { fault: 'endless body, no content-length', type: 'http', expectedError: `body did not contain ${JSON.stringify(opts.body)}`, listen: tcp(endlessBody) },
    { fault: 'redirect loop (302 to itself)', type: 'http', expectedError: 'status 302 (expected 200-299)', listen: httpServer(redirectToItself) },
    { fault: '200 with the wrong body', type: 'http', expectedError: `body did not contain ${JSON.stringify(opts.body)}`, listen: httpServer(answer(200, 'maintenance')) },
    { fault: 'garbage instead of HTTP', type: 'http', expectedError: 'invalid HTTP response (HPE_INVALID_CONSTANT)', listen: tcp(garbage) },
  ];
  let caFile: string | undefined;
  if (!opts.withoutTls) {
    const ca = makeCa();
    caFile = ca.certFile;
    const ok = answer(200, opts.body);
    specs.push(
      { fault: 'TLS: expired certificate', type: 'https', expectedError: 'TLS: certificate has expired', listen: tlsServer(makeLeaf(ca, { dnsNames: [opts.alias], expired: true }), ok) },
      { fault: 'TLS: wrong name', type: 'https', expectedError: /^TLS: certificate name mismatch .*DNS:wrong\.example\.test\)$/, listen: tlsServer(makeLeaf(ca, { dnsNames: ['wrong.example.test'] }), ok) },
      { fault: 'TLS: self-signed', type: 'https', expectedError: 'TLS: self-signed certificate', listen: tlsServer(makeSelfSigned([opts.alias]), ok) },
      {
        // A shared host that has a certificate for another name only: unknown SNI gets its default certificate.
        fault: 'TLS: SNI mismatch (default certificate)',
        type: 'https',
        expectedError: /^TLS: certificate name mismatch .*DNS:default\.example\.test\)$/,
        listen: tlsServer(makeLeaf(ca, { dnsNames: ['default.example.test'] }), ok, { 'other.example.test': makeLeaf(ca, { dnsNames: ['other.example.test'] }) }),
      },
      { fault: 'TLS: SNI rejected (unrecognized_name alert)', type: 'https', expectedError: 'TLS: handshake failed (tlsv1 unrecognized name)', listen: tcp(unrecognizedNameAlert) },
    );
  }
  specs.push({ fault: 'healthy', type: 'http', expectedError: '', listen: httpServer(answer(200, opts.body)) });

  const targets: FaultTarget[] = [];
  let hostByte = opts.firstHost ?? 40;
  try {
    for (const spec of specs) targets.push(await startTarget(spec, `127.0.0.${hostByte++}`, opts.timeoutMs, caFile));
  } catch (err) {
    await Promise.all(targets.map((target) => target.close()));
    throw err;
  }
  return { faults: targets.slice(0, -1), healthy: targets[targets.length - 1]!, caFile };
}

async function startTarget(spec: Spec, host: string, timeoutMs: number, caFile: string | undefined): Promise<FaultTarget> {
  const check = (port: number): string =>
    spec.type === 'https'
      ? `{ type: https, port: ${port}, path: /health, timeout: ${timeoutMs}ms${caFile ? `, caFile: ${JSON.stringify(caFile)}` : ''} }`
      : `{ port: ${port} }`;
  if (spec.listen === 'refused') {
    const port = await freePort(host);
    return { ...spec, host, port, check: check(port), connections: 0, closed: 0, bytesWritten: () => 0, requests: 0, servernames: [], close: async () => {} };
  }
  const { server, port } = await spec.listen(host);
  const sockets = new Set<Socket>();
  let closedBytes = 0;
  const target: FaultTarget = {
    fault: spec.fault,
    host,
    port,
    check: check(port),
    expectedError: spec.expectedError,
    connections: 0,
    closed: 0,
    bytesWritten: () => closedBytes + [...sockets].reduce((n, s) => n + s.bytesWritten, 0),
    requests: 0,
    servernames: [],
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
  server.on('connection', (socket: Socket) => {
    target.connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => {
      target.closed++;
      closedBytes += socket.bytesWritten;
      sockets.delete(socket);
    });
  });
  server.on('request', () => target.requests++);
  server.on('sni', (name: string) => target.servernames.push(name));
  server.on('tlsClientError', () => {}); // the probe gives up on bad certificates: expected here
  return target;
}

// ---- what each target does with a connection ----------------------------------------------------

function closeAtOnce(socket: Socket): void {
  socket.destroy();
}

/** Complete headers announcing 1000 bytes, a few of them, then a TCP reset. */
function resetMidResponse(socket: Socket): void {
  socket.once('data', () => {
    socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n\r\nok, and then');
    setTimeout(() => socket.resetAndDestroy(), 50);
  });
}

/** One byte of header every 200 ms, never the blank line that ends them. */
function slowLorisHeaders(socket: Socket): void {
  const text = 'HTTP/1.1 200 OK\r\n' + 'X-Slow: a\r\n'.repeat(1000);
  let i = 0;
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(text[i++ % text.length]!);
  }, 200);
  socket.once('close', () => clearInterval(timer));
}

/** Headers as fast as the client takes them, never ending: the client's header limit must stop it. */
function headerFlood(socket: Socket): void {
  socket.once('data', () => {
    socket.write('HTTP/1.1 200 OK\r\n');
    pump(socket, Buffer.from('X-Flood: ' + 'f'.repeat(1000) + '\r\n'));
  });
}

/** A 200 without content-length (read until close, HTTP/1.0 style), then filler as fast as the client reads. */
function endlessBody(socket: Socket): void {
  socket.once('data', () => {
    socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n');
    pump(socket, Buffer.alloc(16 * 1024, 'x'));
  });
}

function garbage(socket: Socket): void {
  socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
}

/** What nginx `ssl_reject_handshake on` does for an unknown SNI name: a fatal TLS alert, unrecognized_name (112). */
function unrecognizedNameAlert(socket: Socket): void {
  socket.once('data', () => socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 112])));
}

const neverEndingResponse: RequestListener = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' }); // chunked
  const timer = setInterval(() => res.write('still going\n'), 100);
  res.once('close', () => clearInterval(timer));
};

const redirectToItself: RequestListener = (req, res) => {
  res.writeHead(302, { location: req.url ?? '/' }).end();
};

function answer(status: number, body: string): RequestListener {
  return (_req, res) => res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
}

/** Writes `chunk` until the socket buffer is full, again on every drain, until the socket closes. */
function pump(socket: Socket, chunk: Buffer): void {
  const fill = (): void => {
    while (!socket.destroyed && socket.write(chunk)) {
      /* until the buffer is full */
    }
  };
  socket.on('drain', fill);
  fill();
}

// ---- listeners ------------------------------------------------------------------------------------

function tcp(onConnection: (socket: Socket) => void): Listen {
  return (host) => listen(createTcpServer(onConnection), host);
}

function httpServer(handler: RequestListener): Listen {
  return (host) => listen(http.createServer(handler), host);
}

/** An https server with a default certificate and, optionally, other certificates chosen by SNI. */
function tlsServer(cert: { key: string; cert: string }, handler: RequestListener, bySni: Record<string, { key: string; cert: string }> = {}): Listen {
  const contexts = new Map(Object.entries(bySni).map(([name, c]) => [name, createSecureContext(c)]));
  return (host) => {
    const server: https.Server = https.createServer(
      {
        key: cert.key,
        cert: cert.cert,
        SNICallback: (name, cb) => {
          server.emit('sni', name);
          cb(null, contexts.get(name));
        },
      },
      handler,
    );
    return listen(server, host);
  };
}

function listen(server: NetServer, host: string): Promise<{ server: NetServer; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      const { port } = server.address() as { port: number };
      resolve({ server, port });
    });
  });
}
