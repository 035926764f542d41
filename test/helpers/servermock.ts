import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ContractFault } from '../contract/provider-contract.js';
import { compileSpec, errorsOf, templateMatcher, type ApiSpec, type Operation } from './servermock-spec.js';

export { templateMatcher, type ApiSpec } from './servermock-spec.js';

/**
 * A fake HTTP API as a route table, in the spirit of lego's servermock: each fake lists its routes
 * ("GET /zones/{zone_id}/dns_records" → handler) and the builder does the rest: the listening socket
 * on 127.0.0.1, body parsing, the request log, the contract suite's faults, and, given the vendor's
 * own API description (an OpenAPI 3 or Swagger 2 document, or an excerpt of one), a check of every
 * request against it (path, method, query, body) and of every answer against its response schema.
 * What does not conform lands in `violations`, which the suites assert empty.
 */

export interface MockRequest {
  method: string;
  /** Below the base path, without the query. */
  path: string;
  /** The request target as received: path and query, encoding untouched. */
  url: string;
  /** The client's address. */
  remoteAddress: string;
  /** Path template variables: {zone_id} → its value. */
  params: Record<string, string>;
  query: Record<string, string>;
  /** Every value of each query key, for APIs that repeat keys. */
  queryAll: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON when the body is JSON, else the raw text ('' when empty). */
  body: unknown;
  raw: string;
  /** The route template that matched ("GET /zones/{zone_id}"), or undefined. */
  route?: string;
  /** The answer's status and body text, once sent; undefined while unanswered (a timeout fault). */
  status?: number;
  answer?: string;
}

export interface MockReply {
  status: number;
  /** Sent as JSON unless it is a string. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Accept the request and never answer (a timeout). */
  hang?: boolean;
}

export type Handler = (req: MockRequest) => MockReply | Promise<MockReply>;

export interface ServerMockOptions {
  /** Routes as "METHOD /path/{var}": handler. Paths are below basePath. "*" takes any method and path (a proxy's forwardTo). */
  routes: Record<string, Handler>;
  /** Prefix of every path, e.g. /client/v4. */
  basePath?: string;
  /** Runs before routing (auth, rate limits); a reply here ends the request. */
  before?: (req: MockRequest) => MockReply | undefined;
  /** The answer for a path or method no route has. Default: 404 with an empty JSON object. */
  notFound?: (req: MockRequest) => MockReply;
  /** How this vendor answers an injected 5xx or rate limit. */
  faultReply?: (fault: Exclude<ContractFault, { kind: 'timeout' }>) => MockReply;
  /** The vendor's API description: requests and answers are checked against it. */
  spec?: ApiSpec;
  /** Another kind of API description (an AWS service model), given as its own checker; not with `spec`. */
  description?: ApiDescription;
  /** Headers sent with every answer (a request id). */
  headers?: () => Record<string, string>;
}

export interface ServerMock {
  /** http://127.0.0.1:<port><basePath> */
  url: string;
  port: number;
  requests: MockRequest[];
  /** Where a request or an answer broke the spec: "PATCH /zones/{zone_id}/dns_records/{id}: body must have required property 'type'". */
  violations: string[];
  /** Requests checked against the spec or description so far. */
  validated: number;
  injectFault(fault: ContractFault): void;
  close(): Promise<void>;
}

/** A checker for an API description that is not OpenAPI: it names the operation a request is and what breaks it. */
export interface ApiDescription {
  source: string;
  /** The operation (undefined: none matches) and the problems, each a whole message. */
  checkRequest(req: MockRequest): { operation?: string; problems: string[] };
  /** The problems of an answer to that operation. */
  checkReply(operation: string, reply: MockReply): string[];
}

export async function startServerMock(opts: ServerMockOptions): Promise<ServerMock> {
  const basePath = (opts.basePath ?? '').replace(/\/$/, '');
  const routes = Object.entries(opts.routes).map(([key, handle]) => {
    if (key === '*') return { method: '*', template: '*', handle, matcher: /^/, vars: [] as string[] };
    const [method, template] = key.split(' ') as [string, string];
    return { method, template, handle, ...templateMatcher(template) };
  });
  const ops = opts.spec ? compileSpec(opts.spec) : [];
  const faults: ContractFault[] = [];
  const sockets = new Set<Socket>();

  const described = opts.description;
  const checkRequest = (req: MockRequest): Operation | string | undefined => {
    if (described) {
      mock.validated++;
      const { operation, problems } = described.checkRequest(req);
      mock.violations.push(...problems);
      return operation;
    }
    if (!opts.spec) return undefined;
    mock.validated++;
    const op = ops.find((o) => o.method === req.method && o.matcher.test(req.path));
    const where = `${req.method} ${op?.template ?? req.path}`;
    if (!op) {
      mock.violations.push(`${where}: no such operation in ${opts.spec.source}`);
      return undefined;
    }
    const values = op.matcher.exec(req.path)!.slice(1);
    const params = Object.fromEntries(op.vars.map((v, i) => [v, decodeURIComponent(values[i]!)]));
    if (op.params && !op.params(params)) mock.violations.push(`${where}: path ${errorsOf(op.params)}`);
    for (const key of req.queryAll.keys()) if (!op.knownQuery.has(key)) mock.violations.push(`${where}: query parameter "${key}" is not in the spec`);
    for (const key of op.requiredQuery) if (!req.queryAll.has(key)) mock.violations.push(`${where}: required query parameter "${key}" is missing`);
    const query = { ...req.query };
    if (op.query && !op.query(query)) mock.violations.push(`${where}: query ${errorsOf(op.query)}`);
    if (op.body && req.raw !== '' && !op.body(req.body)) mock.violations.push(`${where}: body ${errorsOf(op.body)}`);
    if (!op.body && req.raw !== '' && req.method !== 'GET') mock.violations.push(`${where}: the spec takes no request body`);
    return op;
  };

  const checkReply = (op: Operation | string | undefined, reply: MockReply): void => {
    if (typeof op === 'string') return void mock.violations.push(...described!.checkReply(op, reply));
    if (!op || typeof reply.body === 'string' || reply.body === undefined) return;
    const v = op.responses.get(String(reply.status)) ?? op.responses.get(`${String(reply.status)[0]}XX`) ?? (reply.status >= 400 ? op.responses.get('default') : undefined) ?? (reply.status < 300 ? undefined : op.responses.get('4XX'));
    if (v && !v(reply.body)) mock.violations.push(`${op.method} ${op.template}: answer ${reply.status} ${errorsOf(v)}`);
  };

  const send = (res: ServerResponse, request: MockRequest, reply: MockReply): void => {
    if (reply.hang) return;
    const json = typeof reply.body !== 'string';
    const payload = reply.body === undefined ? '' : json ? JSON.stringify(reply.body) : (reply.body as string);
    request.status = reply.status;
    request.answer = payload;
    res.writeHead(reply.status, { ...(payload && json ? { 'content-type': 'application/json' } : {}), ...opts.headers?.(), ...reply.headers }).end(payload);
  };

  const takeFault = (): ContractFault | undefined => {
    const fault = faults[0];
    if (!fault) return undefined;
    if (fault.times === undefined || fault.times <= 1) faults.shift();
    else fault.times--;
    return fault;
  };

  const handle = async (req: http.IncomingMessage, res: ServerResponse, raw: string): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://mock');
    let body: unknown = raw;
    if (raw !== '' && /json/.test(String(req.headers['content-type'] ?? 'json'))) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const path = url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) || '/' : url.pathname;
    const request: MockRequest = { method: req.method ?? 'GET', path, url: req.url ?? '/', remoteAddress: req.socket.remoteAddress ?? '', params: {}, query: Object.fromEntries(url.searchParams), queryAll: url.searchParams, headers: req.headers, body, raw };
    mock.requests.push(request);
    const op = checkRequest(request);

    const fault = takeFault();
    if (fault?.kind === 'timeout') return;
    if (fault) {
      const reply = opts.faultReply?.(fault) ?? (fault.kind === 'http-5xx' ? { status: fault.status ?? 500, body: {} } : { status: 429, body: {}, headers: { 'retry-after': String(fault.retryAfterS ?? 1) } });
      return send(res, request, reply);
    }

    const early = opts.before?.(request);
    if (early) return send(res, request, early);
    const route = routes.find((r) => (r.method === request.method || r.method === '*') && r.matcher.test(path));
    if (!route) return send(res, request, opts.notFound?.(request) ?? { status: 404, body: {} });
    const values = route.matcher.exec(path)!.slice(1);
    request.params = Object.fromEntries(route.vars.map((v, i) => [v, decodeURIComponent(values[i]!)]));
    request.route = `${route.method} ${route.template}`;
    let reply: MockReply;
    try {
      reply = await route.handle(request);
    } catch (e) {
      mock.violations.push(`${request.route}: the fake threw ${(e as Error).stack ?? String(e)}`);
      reply = { status: 500, body: {} };
    }
    checkReply(op, reply);
    send(res, request, reply);
  };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (raw += d));
    req.on('end', () => void handle(req, res, raw));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      if (a === null || typeof a === 'string') return reject(new Error('no address'));
      resolve(a.port);
    });
  });

  const mock: ServerMock = {
    url: `http://127.0.0.1:${port}${basePath}`,
    port,
    requests: [],
    violations: [],
    validated: 0,
    injectFault(f) {
      if (f.times === 0) faults.length = 0;
      else faults.push({ ...f });
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
  return mock;
}
