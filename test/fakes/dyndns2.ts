import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import dnsPacket from 'dns-packet';
import type { ContractFault } from '../contract/provider-contract.js';
import { startServerMock, type MockReply, type MockRequest } from '../helpers/servermock.js';

/**
 * A DynDNS2 server on 127.0.0.1 on the servermock route table. DynDNS2 has no machine-readable
 * description; this follows Dyn's and No-IP's update API pages (see providers/dyndns2/README.md):
 * GET /nic/update, text/plain, HTTP 200 with a code per hostname: User-Agent enforcement (badagent),
 * Basic auth (badauth, or HTTP 401 like No-IP), hosts per account (nohost, !yours), notfqdn, numhost
 * over 20, badsys, good/nochg, hosts blocked (abuse) after repeated updates that change nothing, and
 * the per-service quirks dnsfail's presets exist for (`service`). Optionally it serves its hosts over
 * DNS (UDP).
 */

export interface FakeAccount {
  username: string;
  password: string;
  /** Hostnames this account may update. */
  hosts?: string[];
  /** Any name below these domains belongs to the account (like a dynv6 zone). */
  zones?: string[];
}

/**
 * How a service bends the protocol: `changeip` answers a good update `200 Successful Update`;
 * `inwx` takes IPv6 only in `myipv6` and drops the family an update leaves out; `he` answers
 * `interval` to an update of a host within `heIntervalMs` of the last one.
 */
export type Dyndns2Service = 'dyn' | 'changeip' | 'inwx' | 'he';

export interface FakeDyndns2Options {
  accounts: FakeAccount[];
  service?: Dyndns2Service;
  /** With service `he`: the shortest time between two updates of one host. Default 5 minutes. */
  heIntervalMs?: number;
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

export interface FakeDyndns2 {
  /** http://127.0.0.1:port */
  url: string;
  port: number;
  /** With `dns: true`: the UDP port serving the hosts' A/AAAA (authoritative; NXDOMAIN for unknown names). */
  dnsPort: number;
  /** Every request, with `status` and `answer` once answered. */
  requests: MockRequest[];
  /** Answers per code seen so far (good, nochg, badauth, abuse, …; http-503 for an HTTP error). */
  readonly answered: Record<string, number>;
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
  lastUpdate?: number;
}

const GENERIC_CLIENTS = /^(curl|wget|python-requests|python-urllib|go-http-client|node-fetch|axios|undici|got|okhttp|java|mozilla)\b/i;
const defaultAcceptUserAgent = (ua: string) => /^[^\s/]+\/[^\s/]+/.test(ua) && !GENERIC_CLIENTS.test(ua);
const SYSTEMS = new Set(['dyndns', 'statdns', 'custom']);
const MAX_HOSTS = 20;
const text = (status: number, body: string, headers: Record<string, string> = {}): MockReply => ({ status, body, headers });

export async function startFakeDyndns2(opts: FakeDyndns2Options): Promise<FakeDyndns2> {
  const accounts = opts.accounts.map((a) => ({ ...a, hosts: (a.hosts ?? []).map(lower), zones: (a.zones ?? []).map(lower) }));
  const acceptUa = opts.acceptUserAgent ?? defaultAcceptUserAgent;
  const abuseAfter = opts.abuseAfterNochg ?? 3;
  const requireFqdn = opts.requireFqdn ?? true;
  const service = opts.service ?? 'dyn';
  const hosts = new Map<string, HostState>();
  const injected: { body: string; left: number }[] = [];

  const ownerOf = (host: string) => accounts.find((a) => a.hosts.includes(host) || a.zones.some((z) => host.endsWith(`.${z}`)));
  const stateOf = (host: string): HostState => {
    let s = hosts.get(host);
    if (!s) hosts.set(host, (s = { nochgStreak: 0, blocked: false }));
    return s;
  };
  const authenticate = (header: string | undefined) => {
    const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
    if (!m) return undefined;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    return accounts.find((a) => a.username === decoded.slice(0, colon) && a.password === decoded.slice(colon + 1));
  };

  /** One hostname's answer line. */
  const updateHost = (name: string, account: (typeof accounts)[number], myip: MyIp): string => {
    if (requireFqdn && !name.includes('.')) return 'notfqdn';
    const owner = ownerOf(name);
    if (!owner) return 'nohost';
    if (owner !== account) return '!yours';
    const s = stateOf(name);
    if (s.blocked) return 'abuse';
    const now = Date.now();
    if (service === 'he' && s.lastUpdate !== undefined && now - s.lastUpdate < (opts.heIntervalMs ?? 5 * 60_000)) return 'interval';
    s.lastUpdate = now;
    const same = myip.a === s.a && myip.aaaa === s.aaaa;
    const partialSame = (myip.a === undefined || myip.a === s.a) && (myip.aaaa === undefined || myip.aaaa === s.aaaa);
    if (service === 'inwx' ? same : partialSame) {
      if (++s.nochgStreak > abuseAfter) {
        s.blocked = true;
        return 'abuse';
      }
      return `nochg ${myip.text}`;
    }
    s.nochgStreak = 0;
    if (service === 'inwx') [s.a, s.aaaa] = [myip.a, myip.aaaa];
    else {
      if (myip.a !== undefined) s.a = myip.a;
      if (myip.aaaa !== undefined) s.aaaa = myip.aaaa;
    }
    return service === 'changeip' ? '200 Successful Update' : `good ${myip.text}`;
  };

  const update = (req: MockRequest): MockReply => {
    if (!acceptUa(String(req.headers['user-agent'] ?? ''))) return text(200, 'badagent');
    const account = authenticate(req.headers.authorization);
    if (!account) return opts.badauthAs401 ? text(401, 'badauth', { 'www-authenticate': 'Basic realm="DDNS"' }) : text(200, 'badauth');
    const inj = injected[0];
    if (inj && inj.left > 0) {
      if (--inj.left === 0) injected.shift();
      return text(200, inj.body);
    }
    const system = req.queryAll.get('system');
    if (system !== null && !SYSTEMS.has(system)) return text(200, 'badsys');
    const names = (req.queryAll.get('hostname') ?? '').split(',').map(lower).filter(Boolean);
    if (names.length === 0) return text(200, 'notfqdn');
    if (names.length > MAX_HOSTS) return text(200, 'numhost');
    const myip = service === 'inwx' ? inwxIps(req.queryAll) : parseMyIp(req.queryAll.get('myip'), req.remoteAddress);
    if (!myip) return text(400, 'bad request: myip');
    return text(200, names.map((n) => updateHost(n, account, myip)).join('\n'));
  };

  const mock = await startServerMock({
    routes: { 'GET /nic/update': update },
    headers: () => ({ 'content-type': 'text/plain; charset=utf-8' }),
    notFound: (req) => (req.path === '/nic/update' ? text(405, 'method not allowed', { allow: 'GET' }) : text(404, 'not found')),
    faultReply: (f) => (f.kind === 'rate-limit' ? text(429, 'too many requests', { 'retry-after': String(f.retryAfterS ?? 1) }) : text(f.status ?? 503, 'service unavailable')),
  });
  const dns = opts.dns ? await serveDns(hosts) : undefined;

  const fake: FakeDyndns2 = {
    url: mock.url,
    port: mock.port,
    dnsPort: dns?.port ?? 0,
    requests: mock.requests,
    get answered() {
      const counts: Record<string, number> = {};
      for (const r of mock.requests) {
        if (r.status === undefined) continue;
        const codes = r.status === 200 ? r.answer!.split('\n').map((line) => line.split(' ')[0]!) : [`http-${r.status}`];
        for (const c of codes) counts[c] = (counts[c] ?? 0) + 1;
      }
      return counts;
    },
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
    injectFault: (fault) => mock.injectFault(fault),
    injectAnswer(body, times = 1) {
      injected.push({ body, left: times });
    },
    async close() {
      await mock.close();
      if (dns) await new Promise<void>((resolve) => dns.socket.close(() => resolve()));
    },
  };
  return fake;
}

/** Answers A/AAAA queries for the hosts, authoritatively, on a UDP port of 127.0.0.1. */
async function serveDns(hosts: Map<string, HostState>): Promise<{ socket: UdpSocket; port: number }> {
  const udp = createSocket('udp4');
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
    udp.send(reply, rinfo.port, rinfo.address);
  });
  const port = await new Promise<number>((resolve) => udp.bind(0, '127.0.0.1', () => resolve(udp.address().port)));
  return { socket: udp, port };
}

function lower(s: string): string {
  return s.toLowerCase().replace(/\.$/, '');
}

interface MyIp {
  a?: string;
  aaaa?: string;
  text: string;
}

/** `v4`, `v6` or `v4,v6`; absent: the client's address. Null when malformed. */
function parseMyIp(param: string | null, remote: string): MyIp | null {
  const text = param ?? remote.replace(/^::ffff:/, '');
  const out: MyIp = { text };
  for (const ip of text.split(',')) {
    if (isIPv4(ip) && out.a === undefined) out.a = ip;
    else if (isIPv6(ip) && out.aaaa === undefined) out.aaaa = ip;
    else return null;
  }
  return out;
}

/** INWX: IPv4 in `myip`, IPv6 in `myipv6`; null when either is not of its family or both are absent. */
function inwxIps(q: URLSearchParams): MyIp | null {
  const a = q.get('myip') ?? undefined;
  const aaaa = q.get('myipv6') ?? undefined;
  if ((a !== undefined && !isIPv4(a)) || (aaaa !== undefined && !isIPv6(aaaa)) || (a === undefined && aaaa === undefined)) return null;
  return { a, aaaa, text: [a, aaaa].filter(Boolean).join(',') };
}
