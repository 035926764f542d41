import http, { type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import https from 'node:https';
import { createServer as createTcpServer, isIPv6, type Server as NetServer, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** Real loopback health-check targets. Listening on 127.0.0.2, 127.0.0.3 … needs no setup on Linux. */

export type TargetMode = 'ok' | 'fail' | 'slow' | 'hang' | 'wrong-body' | 'redirect';

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** TLS SNI the client sent (https targets only). */
  servername?: string;
}

export interface Target {
  host: string;
  port: number;
  /** http(s)://host:port, no trailing slash; IPv6 hosts bracketed. */
  url: string;
  mode: TargetMode;
  setMode(m: TargetMode): void;
  /** Requests received (all paths). */
  hits: number;
  close(): Promise<void>;
  /** Every request received, in order. */
  requests: SeenRequest[];
  /** TCP connections accepted. */
  connections: number;
  /** Most requests in flight (received, not yet answered or abandoned) at any one moment. */
  maxInFlight: number;
}

export interface HttpTargetOptions {
  /** Default 127.0.0.2. */
  host?: string;
  /** 0 (default) = random. */
  port?: number;
  tls?: { key: string; cert: string };
  /** Body of a healthy answer, default 'ok'. */
  body?: string;
  /** How long 'slow' waits before answering, default 10 s. */
  slowMs?: number;
}

/**
 * 'ok' → 200 body; 'fail' → 503; 'slow' → 200 after slowMs; 'hang' → never answers; 'wrong-body' → 200
 * "maintenance"; 'redirect' → 302 to /elsewhere. /elsewhere always answers 200 body, so a client that
 * followed a redirect would be seen healthy and show up in `requests`.
 */
export async function startHttpTarget(opts: HttpTargetOptions = {}): Promise<Target> {
  const host = opts.host ?? '127.0.0.2';
  const body = opts.body ?? 'ok';
  const slowMs = opts.slowMs ?? 10_000;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const servername = (req.socket as TLSSocket).servername;
    target.requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      ...(typeof servername === 'string' ? { servername } : {}),
    });
    inFlight++;
    target.maxInFlight = Math.max(target.maxInFlight, inFlight);
    res.once('close', () => inFlight--);
    const answer = (status: number, text: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(text);
    };
    if (req.url === '/elsewhere') return answer(200, body);
    switch (target.mode) {
      case 'ok':
        return answer(200, body);
      case 'fail':
        return answer(503, 'unavailable');
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer(200, body);
        }, slowMs);
        timers.add(timer);
        res.once('close', () => clearTimeout(timer));
        return;
      }
      case 'hang':
        return;
      case 'wrong-body':
        return answer(200, 'maintenance');
      case 'redirect':
        return answer(302, 'moved', { location: '/elsewhere' });
    }
  };

  const server: Server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handle) : http.createServer(handle);
  server.on('connection', (socket: Socket) => {
    target.connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // A client that gives up mid-handshake is normal here (timeouts, bad certificates).
  server.on('tlsClientError', () => {});
  const port = await listen(server, host, opts.port ?? 0);

  const target: Target = {
    host,
    port,
    url: `${opts.tls ? 'https' : 'http'}://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    mode: 'ok',
    setMode(m) {
      target.mode = m;
    },
    get hits() {
      return target.requests.length;
    },
    requests: [],
    connections: 0,
    maxInFlight: 0,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
  return target;
}

export interface TcpTarget {
  host: string;
  port: number;
  /** TCP connections accepted. */
  connections: number;
  close(): Promise<void>;
}

/** Accepts connections and holds them open, saying nothing. */
export async function startTcpTarget(opts: { host?: string; port?: number } = {}): Promise<TcpTarget> {
  const host = opts.host ?? '127.0.0.2';
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    target.connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  const port = await listen(server, host, opts.port ?? 0);
  const target: TcpTarget = {
    host,
    port,
    connections: 0,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
  return target;
}

/** A port that was free on `host` a moment ago (nothing listens there now). */
export async function freePort(host = '127.0.0.2'): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server, host, 0);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function listen(server: NetServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('no TCP address'));
      resolve(address.port);
    });
  });
}

/** A real loopback target that answers 200 and 503 in turn, one per request. */
export async function startFlappingTarget(host: string, port = 0): Promise<{ port: number; requests: number; close(): Promise<void> }> {
  let requests = 0;
  const server = http.createServer((_req, res) => {
    const healthy = requests++ % 2 === 0;
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain', connection: 'close' }).end(healthy ? 'ok' : 'down');
  });
  const bound = await listen(server, host, port);
  return {
    port: bound,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An http target on 127.0.0.2 (the primary) and one on 127.0.0.3 (the backup), on the same port. */
export async function startPrimaryAndBackup(): Promise<{ primary: Target; backup: Target; close(): Promise<void> }> {
  const primary = await startHttpTarget({ host: '127.0.0.2' });
  const backup = await startHttpTarget({ host: '127.0.0.3', port: primary.port });
  return { primary, backup, close: async () => void (await Promise.all([primary.close(), backup.close()])) };
}

/** A dead primary and its live backup: an http target on 127.0.0.3 at a port nothing listens on at 127.0.0.2. */
export async function startLiveBackup(): Promise<Target> {
  return startHttpTarget({ host: '127.0.0.3', port: await freePort('127.0.0.2') });
}

/** For a describe block: startPrimaryAndBackup before its tests, closed after them. */
export function primaryAndBackup(hooks: { before: (fn: () => Promise<void>) => void; after: (fn: () => Promise<void>) => void }): { readonly primary: Target; readonly backup: Target } {
  const t = {} as Awaited<ReturnType<typeof startPrimaryAndBackup>>;
  hooks.before(async () => void Object.assign(t, await startPrimaryAndBackup()));
  hooks.after(() => t.close());
  return t;
}
