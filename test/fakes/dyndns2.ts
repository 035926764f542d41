import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIPv4, isIPv6, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import type { ContractFault } from '../contract/provider-contract.js';

/**
 * A DynDNS2 server on 127.0.0.1, answering like Dyn and No-IP's /nic/update (text/plain, HTTP 200 with
 * a code per hostname): User-Agent enforcement (badagent), Basic auth (badauth, or HTTP 401 like No-IP),
 * hosts per account (nohost, !yours), notfqdn, numhost over 20, badsys, good/nochg, and hosts blocked
 * (abuse) after repeated updates that change nothing. Optionally it also serves its hosts over DNS (UDP).
 */

export interface FakeAccount {
  username: string;
  password: string;
  /** Hostnames this account may update. */
  hosts?: string[];
  /** Any name below these domains belongs to the account (like a dynv6 zone). */
  zones?: string[];
}

export interface FakeDyndns2Options {
  accounts: FakeAccount[];
  /** User-Agents accepted; default: `Name/Version …`, except generic HTTP libraries and browsers. */
  acceptUserAgent?: (ua: string) => boolean;
  /** Updates that changed nothing before the host is blocked with `abuse`. Default 3. */
  abuseAfterNochg?: number;
  /** Answer wrong credentials with HTTP 401 (No-IP) instead of 200 `badauth` (Dyn). */
  badauthAs401?: boolean;
  /** Refuse hostnames without a dot (`notfqdn`). Default true; DuckDNS-style services send labels. */
  requireFqdn?: boolean;
  /** Also answer DNS queries for the hosts on a UDP port of 127.0.0.1 (see dnsPort). */
  dns?: boolean;
}

export interface SeenUpdate {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  status: number;
  /** Body sent back; undefined when the request was never answered (timeout fault). */
  answer?: string;
}

export interface FakeDyndns2 {
  /** http://127.0.0.1:port */
  url: string;
  port: number;
  /** With `dns: true`: the UDP port serving the hosts' A/AAAA (authoritative; NXDOMAIN for unknown names). */
  dnsPort: number;
  requests: SeenUpdate[];
  /** Answers per code seen so far (good, nochg, badauth, abuse, …). */
  answered: Record<string, number>;
  lookup(name: string, type: 'A' | 'AAAA'): string[] | null;
  setAddress(name: string, type: 'A' | 'AAAA', ip: string | null): void;
  setPassword(username: string, password: string): void;
  isBlocked(name: string): boolean;
  injectFault(fault: ContractFault): void;
  /** The next `times` authenticated updates get exactly this body (e.g. "911", "dnserr", "w5m", "abuse"). */
  injectAnswer(body: string, times?: number): void;
  close(): Promise<void>;
}

interface HostState {
  a?: string;
  aaaa?: string;
  nochgStreak: number;
  blocked: boolean;
}

const GENERIC_CLIENTS = /^(curl|wget|python-requests|python-urllib|go-http-client|node-fetch|axios|undici|got|okhttp|java|mozilla)\b/i;
const defaultAcceptUserAgent = (ua: string) => /^[^\s/]+\/[^\s/]+/.test(ua) && !GENERIC_CLIENTS.test(ua);
const SYSTEMS = new Set(['dyndns', 'statdns', 'custom']);
const MAX_HOSTS = 20;

export async function startFakeDyndns2(opts: FakeDyndns2Options): Promise<FakeDyndns2> {
  const accounts = opts.accounts.map((a) => ({ ...a, hosts: (a.hosts ?? []).map(lower), zones: (a.zones ?? []).map(lower) }));
  const acceptUa = opts.acceptUserAgent ?? defaultAcceptUserAgent;
  const abuseAfter = opts.abuseAfterNochg ?? 3;
  const requireFqdn = opts.requireFqdn ?? true;
  const hosts = new Map<string, HostState>();
  const faults: { fault: ContractFault; left: number }[] = [];
  const injected: { body: string; left: number }[] = [];
  const sockets = new Set<Socket>();

  const ownerOf = (host: string) => accounts.find((a) => a.hosts.includes(host) || a.zones.some((z) => host.endsWith(`.${z}`)));
  const stateOf = (host: string): HostState => {
    let s = hosts.get(host);
    if (!s) hosts.set(host, (s = { nochgStreak: 0, blocked: false }));
    return s;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const seen: SeenUpdate = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, status: 0 };
    fake.requests.push(seen);
    const answer = (status: number, body: string, headers: Record<string, string> = {}) => {
      seen.status = status;
      seen.answer = body;
      const codes = status === 200 ? body.split('\n').map((line) => line.split(' ')[0]!) : [`http-${status}`];
      for (const c of codes) fake.answered[c] = (fake.answered[c] ?? 0) + 1;
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
    };

    const f = faults[0];
    if (f && f.left > 0) {
      if (--f.left === 0) faults.shift();
      if (f.fault.kind === 'timeout') return; // accepted, never answered: the client gives up
      if (f.fault.kind === 'rate-limit') return answer(429, 'too many requests', { 'retry-after': String(f.fault.retryAfterS ?? 1) });
      return answer(f.fault.status ?? 503, 'service unavailable');
    }
    if (url.pathname !== '/nic/update') return answer(404, 'not found');
    if (req.method !== 'GET') return answer(405, 'method not allowed', { allow: 'GET' });
    if (!acceptUa(req.headers['user-agent'] ?? '')) return answer(200, 'badagent');

    const account = authenticate(req.headers.authorization);
    if (!account) {
      return opts.badauthAs401 ? answer(401, 'badauth', { 'www-authenticate': 'Basic realm="DDNS"' }) : answer(200, 'badauth');
    }
    const inj = injected[0];
    if (inj && inj.left > 0) {
      if (--inj.left === 0) injected.shift();
      return answer(200, inj.body);
    }
    const system = url.searchParams.get('system');
    if (system !== null && !SYSTEMS.has(system)) return answer(200, 'badsys');
    const names = (url.searchParams.get('hostname') ?? '').split(',').map(lower).filter(Boolean);
    if (names.length === 0) return answer(200, 'notfqdn');
    if (names.length > MAX_HOSTS) return answer(200, 'numhost');
    const myip = parseMyIp(url.searchParams.get('myip'), req.socket.remoteAddress ?? '127.0.0.1');
    if (!myip) return answer(400, 'bad request: myip');

    const lines = names.map((name) => {
      if (requireFqdn && !name.includes('.')) return 'notfqdn';
      const owner = ownerOf(name);
      if (!owner) return 'nohost';
      if (owner !== account) return '!yours';
      const s = stateOf(name);
      if (s.blocked) return 'abuse';
      const same = (myip.a === undefined || myip.a === s.a) && (myip.aaaa === undefined || myip.aaaa === s.aaaa);
      if (same) {
        if (++s.nochgStreak > abuseAfter) {
          s.blocked = true;
          return 'abuse';
        }
        return `nochg ${myip.text}`;
      }
      s.nochgStreak = 0;
      if (myip.a !== undefined) s.a = myip.a;
      if (myip.aaaa !== undefined) s.aaaa = myip.aaaa;
      return `good ${myip.text}`;
    });
    answer(200, lines.join('\n'));
  };

  const authenticate = (header: string | undefined) => {
    const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
    if (!m) return undefined;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const user = decoded.slice(0, colon);
    const pass = decoded.slice(colon + 1);
    return accounts.find((a) => a.username === user && a.password === pass);
  };

  const server = http.createServer(handle);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });

  let udp: UdpSocket | undefined;
  let dnsPort = 0;
  if (opts.dns) {
    udp = createSocket('udp4');
    udp.on('message', (msg, rinfo) => {
      let query;
      try {
        query = dnsPacket.decode(msg);
      } catch {
        return;
      }
      const q = query.questions?.[0];
      if (!q) return;
      const s = hosts.get(lower(q.name));
      const value = q.type === 'A' ? s?.a : q.type === 'AAAA' ? s?.aaaa : undefined;
      const exists = s !== undefined && (s.a !== undefined || s.aaaa !== undefined);
      const NXDOMAIN = 3;
      const reply = dnsPacket.encode({
        type: 'response',
        id: query.id ?? 0,
        flags: dnsPacket.AUTHORITATIVE_ANSWER | (exists ? 0 : NXDOMAIN),
        questions: [q],
        answers: value ? [{ type: q.type as 'A', name: q.name, ttl: 60, class: 'IN', data: value }] : [],
      });
      udp!.send(reply, rinfo.port, rinfo.address);
    });
    dnsPort = await new Promise<number>((resolve) => udp!.bind(0, '127.0.0.1', () => resolve(udp!.address().port)));
  }

  const fake: FakeDyndns2 = {
    url: `http://127.0.0.1:${port}`,
    port,
    dnsPort,
    requests: [],
    answered: {},
    lookup(name, type) {
      const s = hosts.get(lower(name));
      const v = type === 'A' ? s?.a : s?.aaaa;
      return v === undefined ? null : [v];
    },
    setAddress(name, type, ip) {
      const s = stateOf(lower(name));
      if (type === 'A') s.a = ip ?? undefined;
      else s.aaaa = ip ?? undefined;
    },
    setPassword(username, password) {
      const a = accounts.find((x) => x.username === username);
      if (!a) throw new Error(`no account ${username}`);
      a.password = password;
    },
    isBlocked: (name) => hosts.get(lower(name))?.blocked ?? false,
    injectFault(fault) {
      const times = fault.times ?? 1;
      if (times === 0) faults.length = 0;
      else faults.push({ fault, left: times });
    },
    injectAnswer(body, times = 1) {
      injected.push({ body, left: times });
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
      if (udp) await new Promise<void>((resolve) => udp!.close(() => resolve()));
    },
  };
  return fake;
}

function lower(s: string): string {
  return s.toLowerCase().replace(/\.$/, '');
}

/** `v4`, `v6` or `v4,v6`; absent: the client's address. Null when malformed. */
function parseMyIp(param: string | null, remote: string): { a?: string; aaaa?: string; text: string } | null {
  const text = param ?? remote.replace(/^::ffff:/, '');
  const out: { a?: string; aaaa?: string; text: string } = { text };
  for (const ip of text.split(',')) {
    if (isIPv4(ip) && out.a === undefined) out.a = ip;
    else if (isIPv6(ip) && out.aaaa === undefined) out.aaaa = ip;
    else return null;
  }
  return out;
}
