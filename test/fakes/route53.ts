import { randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIPv4, isIPv6, type Socket } from 'node:net';
import aws4 from 'aws4';
import { child, children, escapeXml, parseXml, textOf, XMLNS, type XmlElement } from '../../providers/route53/xml.js';
import type { ContractFault } from '../contract/provider-contract.js';

/**
 * A faithful local Route 53 (REST API 2013-04-01), written from the API reference: the same paths,
 * SigV4 verification (the signature is recomputed with aws4 from the known credentials), XML documents
 * and both error shapes, ListResourceRecordSets' "start at the first rrset ≥ (name, type)" semantics
 * and paging, all-or-nothing change batches whose DELETE must match TTL and values exactly, and
 * changes that stay PENDING for a few GetChange polls. Listens on 127.0.0.1, random port.
 */

export interface FakeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const FAKE_CREDENTIALS: FakeCredentials = { accessKeyId: 'AKIAFAKEROUTE53TEST1', secretAccessKey: 'fake/Route53+Secret0123456789abcdefGHIJ' };

export interface FakeRrset {
  /** Lower case, fully qualified with the trailing dot, `*` unescaped. */
  name: string;
  type: string;
  ttl?: number;
  values: string[];
  setIdentifier?: string;
  aliasTarget?: string;
}

export interface FakeZone {
  id: string;
  name: string;
  privateZone: boolean;
  rrsets: FakeRrset[];
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status?: number;
}

export type Route53ErrorCode = 'Throttling' | 'PriorRequestNotComplete' | 'AccessDenied' | 'ServiceUnavailable';

export interface FakeRoute53Options {
  credentials?: FakeCredentials[];
  /** Session tokens answered with 403 ExpiredToken. */
  expiredTokens?: string[];
  /** GetChange answers PENDING this many times before INSYNC. Default 2. */
  pendingPolls?: number;
}

export interface FakeRoute53 {
  url: string;
  port: number;
  zones: Map<string, FakeZone>;
  requests: SeenRequest[];
  /** ChangeResourceRecordSets requests received (applied or not). */
  mutations: number;
  /** GetChange requests received. */
  changePolls: number;
  /** The number of Change elements of every ChangeResourceRecordSets request within the quotas (applied or refused for its content). */
  changeBatches: number[];
  addZone(name: string, opts?: { id?: string; privateZone?: boolean }): FakeZone;
  /** Sets an rrset directly, as "someone else" (another tool, the console) would. */
  setRrset(zoneId: string, rrset: FakeRrset): void;
  getRrset(zoneId: string, name: string, type: string): FakeRrset | undefined;
  /** The shared contract's faults: 5xx, a 429 with Retry-After, or a request that is never answered. */
  injectFault(fault: ContractFault): void;
  /** Route 53's own error answers for the next `times` requests (optionally only for one operation); times 0 clears. */
  injectError(code: Route53ErrorCode, times?: number, only?: 'list' | 'change' | 'getChange'): void;
  close(): Promise<void>;
}

/** ChangeResourceRecordSets quotas per request (Route 53 developer guide, "Quotas"). */
const CHANGE_LIMITS = { records: 1000, valueChars: 32_000 };
const TYPES = new Set(['A', 'AAAA', 'CAA', 'CNAME', 'DS', 'MX', 'NAPTR', 'NS', 'PTR', 'SOA', 'SPF', 'SRV', 'TXT']);
const fqdn = (n: string) => (n.endsWith('.') ? n : `${n}.`).toLowerCase();
/** Route 53 lists rrsets by name with the labels reversed (com.example.www.), then by type. */
const sortKey = (name: string) => `${fqdn(name).slice(0, -1).split('.').reverse().join('.')}.`;
const escapeName = (name: string) => name.replace(/\*/g, '\\052');
const unescapeName = (name: string) => name.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
const compareRrsets = (a: { name: string; type: string }, b: { name: string; type: string }) => {
  const ka = sortKey(a.name);
  const kb = sortKey(b.name);
  return ka < kb ? -1 : ka > kb ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
};
const requestId = () => `${randomBytes(4).toString('hex')}-${randomBytes(2).toString('hex')}-${randomBytes(2).toString('hex')}-${randomBytes(6).toString('hex')}`;

class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

class InvalidChangeBatch extends Error {
  constructor(readonly messages: string[]) {
    super(messages.join('; '));
  }
}

export async function startFakeRoute53(opts: FakeRoute53Options = {}): Promise<FakeRoute53> {
  const credentials = opts.credentials ?? [FAKE_CREDENTIALS];
  const pendingPolls = opts.pendingPolls ?? 2;
  const changes = new Map<string, { polls: number }>();
  const sockets = new Set<Socket>();
  let faults: { fault: ContractFault; left: number }[] = [];
  let errors: { code: Route53ErrorCode; left: number; only?: string }[] = [];
  let zoneSeq = 0;

  const xml = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId(), ...headers });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  };
  const errorXml = (code: string, message: string, type = 'Sender') =>
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`;

  const zoneOr404 = (id: string): FakeZone => {
    const zone = fake.zones.get(id);
    if (!zone) throw new ApiFailure(404, 'NoSuchHostedZone', `No hosted zone found with ID: ${id}`);
    return zone;
  };

  /** SigV4: recompute the signature over the headers the client says it signed, with the secret we know. */
  const authenticate = (req: IncomingMessage, body: string): void => {
    const auth = req.headers.authorization;
    if (!auth) throw new ApiFailure(403, 'MissingAuthenticationToken', 'Missing Authentication Token');
    const m = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) throw new ApiFailure(400, 'IncompleteSignature', 'Authorization header requires Credential, SignedHeaders and Signature.');
    const [, keyId, day, region, service, signedList, signature] = m as unknown as [string, string, string, string, string, string, string];
    const cred = credentials.find((c) => c.accessKeyId === keyId);
    if (!cred) throw new ApiFailure(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    const token = req.headers['x-amz-security-token'];
    if (typeof token === 'string' && opts.expiredTokens?.includes(token)) throw new ApiFailure(403, 'ExpiredToken', 'The security token included in the request is expired');
    if (cred.sessionToken !== undefined && token !== cred.sessionToken) throw new ApiFailure(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    const signed = signedList.split(';');
    const date = req.headers['x-amz-date'];
    if (!signed.includes('host') || !signed.includes('x-amz-date') || typeof date !== 'string') {
      throw new ApiFailure(403, 'SignatureDoesNotMatch', 'The request signature must sign the host and x-amz-date headers.');
    }
    if (region !== 'us-east-1' || service !== 'route53' || !date.startsWith(day)) {
      throw new ApiFailure(403, 'SignatureDoesNotMatch', `Credential should be scoped to a valid region and service (us-east-1/route53), not ${region}/${service}.`);
    }
    const when = Date.parse(date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    if (!(Math.abs(Date.now() - when) <= 5 * 60_000)) throw new ApiFailure(403, 'SignatureDoesNotMatch', `Signature expired: ${date} is not within 5 minutes of the server time.`);
    const headers: Record<string, string> = {};
    for (const h of signed) {
      const v = req.headers[h];
      if (v === undefined) throw new ApiFailure(403, 'SignatureDoesNotMatch', `Signed header ${h} is missing from the request.`);
      headers[h] = Array.isArray(v) ? v.join(',') : v;
    }
    // aws4 adds these when absent; a header the client did not sign must not enter the recomputation.
    const ignore = Object.fromEntries(['content-type', 'content-length', 'x-amz-security-token', 'x-amz-content-sha256'].filter((h) => !signed.includes(h)).map((h) => [h, true]));
    const request = { method: req.method, path: req.url, host: headers.host, headers, body, service: 'route53', region: 'us-east-1', extraHeadersToIgnore: ignore };
    const expected = aws4.sign(request as aws4.Request, { accessKeyId: cred.accessKeyId, secretAccessKey: cred.secretAccessKey });
    const got = /Signature=([0-9a-f]{64})/.exec(String(expected.headers?.Authorization ?? ''))?.[1];
    if (got !== signature) {
      throw new ApiFailure(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
    }
  };

  const listRrsets = (zone: FakeZone, q: URLSearchParams): string => {
    const name = q.get('name');
    const type = q.get('type');
    const maxRaw = q.get('maxitems') ?? '300';
    if (type !== null && name === null) throw new ApiFailure(400, 'InvalidInput', 'The input is not valid: type requires name.');
    if (type !== null && !TYPES.has(type)) throw new ApiFailure(400, 'InvalidInput', `Invalid type: ${type}`);
    if (!/^\d+$/.test(maxRaw) || Number(maxRaw) < 1) throw new ApiFailure(400, 'InvalidInput', 'maxitems must be a positive integer.');
    const max = Math.min(Number(maxRaw), 300);
    const sorted = [...zone.rrsets].sort(compareRrsets);
    const from = name === null ? 0 : sorted.findIndex((r) => compareRrsets(r, { name: unescapeName(name), type: type ?? '' }) >= 0);
    const page = from === -1 ? [] : sorted.slice(from, from + max);
    const next = from === -1 ? undefined : sorted[from + max];
    const sets = page
      .map((r) => {
        const body = r.aliasTarget
          ? `<AliasTarget><HostedZoneId>Z2FDTNDATAQYW2</HostedZoneId><DNSName>${escapeXml(r.aliasTarget)}</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget>`
          : `<TTL>${r.ttl}</TTL><ResourceRecords>${r.values.map((v) => `<ResourceRecord><Value>${escapeXml(v)}</Value></ResourceRecord>`).join('')}</ResourceRecords>`;
        const sid = r.setIdentifier !== undefined ? `<SetIdentifier>${escapeXml(r.setIdentifier)}</SetIdentifier><Weight>10</Weight>` : '';
        return `<ResourceRecordSet><Name>${escapeXml(escapeName(r.name))}</Name><Type>${r.type}</Type>${sid}${body}</ResourceRecordSet>`;
      })
      .join('');
    const paging = next ? `<IsTruncated>true</IsTruncated><MaxItems>${max}</MaxItems><NextRecordName>${escapeXml(escapeName(next.name))}</NextRecordName><NextRecordType>${next.type}</NextRecordType>` : `<IsTruncated>false</IsTruncated><MaxItems>${max}</MaxItems>`;
    return `<ListResourceRecordSetsResponse xmlns="${XMLNS}"><ResourceRecordSets>${sets}</ResourceRecordSets>${paging}</ListResourceRecordSetsResponse>`;
  };

  const rrsetLabel = (r: { name: string; type: string }) => `[name='${escapeName(r.name)}', type='${r.type}']`;

  const parseChange = (zone: FakeZone, c: XmlElement): { action: string; rrset: FakeRrset } => {
    const action = textOf(c, 'Action');
    const set = child(c, 'ResourceRecordSet');
    const rawName = textOf(set, 'Name');
    const type = textOf(set, 'Type');
    const ttlText = textOf(set, 'TTL');
    if (!action || !['CREATE', 'DELETE', 'UPSERT'].includes(action) || !set || !rawName || !type) {
      throw new ApiFailure(400, 'InvalidInput', 'Invalid XML: each Change needs Action (CREATE|DELETE|UPSERT) and a ResourceRecordSet with Name and Type.');
    }
    if (!TYPES.has(type)) throw new ApiFailure(400, 'InvalidInput', `Invalid XML ; Value '${type}' is not a valid RRType.`);
    const name = fqdn(unescapeName(rawName));
    if (name !== zone.name && !name.endsWith(`.${zone.name}`)) throw new InvalidChangeBatch([`RRSet with DNS name ${name} is not permitted in zone ${zone.name}`]);
    if (ttlText === undefined || !/^\d+$/.test(ttlText) || Number(ttlText) > 2147483647) throw new InvalidChangeBatch([`Invalid request: Missing field 'TTL' in Change with [Action=${action}, Name=${name}, Type=${type}, SetIdentifier=null]`]);
    const values = children(child(set, 'ResourceRecords'), 'ResourceRecord').map((r) => textOf(r, 'Value') ?? '');
    if (values.length === 0) throw new InvalidChangeBatch([`Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=${action}, Name=${name}, Type=${type}, SetIdentifier=null]`]);
    for (const v of values) {
      if (type === 'A' && !isIPv4(v)) throw new InvalidChangeBatch([`[Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '${v}'']`]);
      if (type === 'AAAA' && !isIPv6(v)) throw new InvalidChangeBatch([`[Invalid Resource Record: 'FATAL problem: AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address) encountered with '${v}'']`]);
    }
    if (new Set(values).size !== values.length) throw new InvalidChangeBatch([`[Invalid Resource Record: 'FATAL problem: DuplicateRecord (Record is a duplicate of another record) encountered with '${values[0]}'']`]);
    return { action, rrset: { name, type, ttl: Number(ttlText), values } };
  };

  const changeRrsets = (zone: FakeZone, body: string): string => {
    let root: XmlElement;
    try {
      root = parseXml(body);
    } catch (e) {
      throw new ApiFailure(400, 'InvalidInput', `Invalid XML ; ${(e as Error).message}`);
    }
    const list = children(child(child(root, 'ChangeBatch'), 'Changes'), 'Change');
    if (root.name !== 'ChangeResourceRecordSetsRequest' || root.attrs.xmlns !== XMLNS || list.length === 0) {
      throw new ApiFailure(400, 'InvalidInput', 'Invalid XML: expected ChangeResourceRecordSetsRequest > ChangeBatch > Changes > Change in the 2013-04-01 namespace.');
    }
    // Per-request quotas: 1,000 ResourceRecord elements and 32,000 characters in all Value elements,
    // UPSERTs counting twice.
    let records = 0;
    let chars = 0;
    for (const c of list) {
      const weight = textOf(c, 'Action') === 'UPSERT' ? 2 : 1;
      for (const r of children(child(child(c, 'ResourceRecordSet'), 'ResourceRecords'), 'ResourceRecord')) {
        records += weight;
        chars += (textOf(r, 'Value') ?? '').length * weight;
      }
    }
    if (records > CHANGE_LIMITS.records) throw new InvalidChangeBatch([`Number of records limit of ${CHANGE_LIMITS.records} exceeded.`]);
    if (chars > CHANGE_LIMITS.valueChars) throw new InvalidChangeBatch([`Number of characters limit of ${CHANGE_LIMITS.valueChars} exceeded.`]);
    fake.changeBatches.push(list.length);
    // All or nothing: apply to a copy, keep it only when every change is valid.
    const next = zone.rrsets.map((r) => ({ ...r, values: [...r.values] }));
    const problems: string[] = [];
    for (const c of list) {
      const { action, rrset } = parseChange(zone, c);
      const at = next.findIndex((r) => r.name === rrset.name && r.type === rrset.type && r.setIdentifier === undefined);
      const current = at === -1 ? undefined : next[at]!;
      if (action === 'CREATE') {
        if (current) problems.push(`Tried to create resource record set ${rrsetLabel(rrset)} but it already exists`);
        else next.push(rrset);
      } else if (action === 'DELETE') {
        if (!current) problems.push(`Tried to delete resource record set ${rrsetLabel(rrset)} but it was not found`);
        else if (current.ttl !== rrset.ttl || current.values.length !== rrset.values.length || !rrset.values.every((v) => current.values.includes(v))) {
          problems.push(`Tried to delete resource record set ${rrsetLabel(rrset)} but the values provided do not match the current values`);
        } else next.splice(at, 1);
      } else if (current) next[at] = rrset;
      else next.push(rrset);
    }
    if (problems.length) throw new InvalidChangeBatch(problems);
    zone.rrsets = next;
    const id = `C${randomBytes(8).toString('hex').toUpperCase()}`;
    changes.set(id, { polls: 0 });
    return `<ChangeResourceRecordSetsResponse xmlns="${XMLNS}"><ChangeInfo><Id>/change/${id}</Id><Status>PENDING</Status><SubmittedAt>${new Date().toISOString()}</SubmittedAt><Comment>${escapeXml(textOf(child(root, 'ChangeBatch'), 'Comment') ?? '')}</Comment></ChangeInfo></ChangeResourceRecordSetsResponse>`;
  };

  const getChange = (id: string): string => {
    const change = changes.get(id);
    if (!change) throw new ApiFailure(404, 'NoSuchChange', `A change with the specified change ID does not exist: ${id}`);
    const status = change.polls++ < pendingPolls ? 'PENDING' : 'INSYNC';
    return `<GetChangeResponse xmlns="${XMLNS}"><ChangeInfo><Id>/change/${id}</Id><Status>${status}</Status><SubmittedAt>${new Date().toISOString()}</SubmittedAt></ChangeInfo></GetChangeResponse>`;
  };

  const zonesByName = (q: URLSearchParams): string => {
    const dnsName = q.get('dnsname');
    const max = Math.min(Number(q.get('maxitems') ?? '100') || 100, 100);
    const sorted = [...fake.zones.values()].sort((a, b) => compareRrsets({ name: a.name, type: a.id }, { name: b.name, type: b.id }));
    const from = dnsName === null ? 0 : sorted.findIndex((z) => sortKey(z.name) >= sortKey(dnsName));
    const page = from === -1 ? [] : sorted.slice(from, from + max);
    const next = from === -1 ? undefined : sorted[from + max];
    const zones = page
      .map((z) => `<HostedZone><Id>/hostedzone/${z.id}</Id><Name>${escapeXml(z.name)}</Name><CallerReference>fake-${z.id}</CallerReference><Config><PrivateZone>${z.privateZone}</PrivateZone></Config><ResourceRecordSetCount>${z.rrsets.length}</ResourceRecordSetCount></HostedZone>`)
      .join('');
    const paging = next ? `<IsTruncated>true</IsTruncated><NextDNSName>${escapeXml(next.name)}</NextDNSName><NextHostedZoneId>${next.id}</NextHostedZoneId>` : '<IsTruncated>false</IsTruncated>';
    return `<ListHostedZonesByNameResponse xmlns="${XMLNS}"><HostedZones>${zones}</HostedZones>${dnsName !== null ? `<DNSName>${escapeXml(dnsName)}</DNSName>` : ''}${paging}<MaxItems>${max}</MaxItems></ListHostedZonesByNameResponse>`;
  };

  const operationOf = (method: string, path: string): 'list' | 'change' | 'getChange' | 'zones' | undefined => {
    if (method === 'GET' && /^\/2013-04-01\/hostedzone\/[^/]+\/rrset\/?$/.test(path)) return 'list';
    if (method === 'POST' && /^\/2013-04-01\/hostedzone\/[^/]+\/rrset\/?$/.test(path)) return 'change';
    if (method === 'GET' && /^\/2013-04-01\/change\/[^/]+$/.test(path)) return 'getChange';
    if (method === 'GET' && path === '/2013-04-01/hostedzonesbyname') return 'zones';
    return undefined;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const seen: SeenRequest = { method, path: req.url ?? '/', headers: req.headers, body };
    fake.requests.push(seen);
    const op = operationOf(method, url.pathname);
    if (op === 'change') fake.mutations++;
    if (op === 'getChange') fake.changePolls++;
    const send = (status: number, doc: string, headers?: Record<string, string>) => {
      seen.status = status;
      xml(res, status, doc, headers);
    };

    const fault = faults[0];
    if (fault && fault.left > 0) {
      fault.left--;
      if (fault.left === 0) faults.shift();
      const f = fault.fault;
      if (f.kind === 'timeout') return; // accepted, never answered
      if (f.kind === 'http-5xx') return send(f.status ?? 503, errorXml('ServiceUnavailable', 'Service Unavailable', 'Receiver'));
      return send(429, errorXml('Throttling', 'Rate exceeded'), f.retryAfterS !== undefined ? { 'retry-after': String(f.retryAfterS) } : {});
    }

    try {
      if (!op) throw new ApiFailure(404, 'UnknownOperationException', `Unknown operation ${method} ${url.pathname}`);
      authenticate(req, body);
      const injected = errors.find((e) => e.left > 0 && (!e.only || e.only === op));
      if (injected) {
        injected.left--;
        errors = errors.filter((e) => e.left > 0);
        if (injected.code === 'Throttling') throw new ApiFailure(400, 'Throttling', 'Rate exceeded');
        if (injected.code === 'PriorRequestNotComplete') throw new ApiFailure(400, 'PriorRequestNotComplete', 'The request was rejected because Route 53 was still processing a prior request.');
        if (injected.code === 'AccessDenied') throw new ApiFailure(403, 'AccessDenied', `User: arn:aws:iam::123456789012:user/dnsfail is not authorized to perform: route53:${op === 'change' ? 'ChangeResourceRecordSets' : 'ListResourceRecordSets'}`);
        throw new ApiFailure(503, 'ServiceUnavailable', 'Service Unavailable', 'Receiver');
      }
      const zoneId = /^\/2013-04-01\/hostedzone\/([^/]+)\//.exec(url.pathname)?.[1];
      if (op === 'list') return send(200, listRrsets(zoneOr404(zoneId!), url.searchParams));
      if (op === 'change') return send(200, changeRrsets(zoneOr404(zoneId!), body));
      if (op === 'getChange') return send(200, getChange(url.pathname.split('/').pop()!));
      return send(200, zonesByName(url.searchParams));
    } catch (e) {
      if (e instanceof InvalidChangeBatch) {
        const messages = e.messages.map((m) => `<Message>${escapeXml(m)}</Message>`).join('');
        return send(400, `<InvalidChangeBatch xmlns="${XMLNS}"><Messages>${messages}</Messages><RequestId>${requestId()}</RequestId></InvalidChangeBatch>`);
      }
      if (e instanceof ApiFailure) return send(e.status, errorXml(e.code, e.message, e.type));
      return send(500, errorXml('InternalFailure', 'The request processing has failed because of an unknown error.', 'Receiver'));
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
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

  const fake: FakeRoute53 = {
    url: `http://127.0.0.1:${port}`,
    port,
    zones: new Map(),
    requests: [],
    mutations: 0,
    changePolls: 0,
    changeBatches: [],
    addZone(name, o = {}) {
      const id = o.id ?? `Z${String(++zoneSeq).padStart(4, '0')}FAKE${randomBytes(4).toString('hex').toUpperCase()}`;
      const zname = fqdn(name);
      const zone: FakeZone = {
        id,
        name: zname,
        privateZone: o.privateZone ?? false,
        rrsets: [
          { name: zname, type: 'NS', ttl: 172800, values: ['ns-1.awsdns-01.org.', 'ns-2.awsdns-02.co.uk.'] },
          { name: zname, type: 'SOA', ttl: 900, values: ['ns-1.awsdns-01.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400'] },
        ],
      };
      fake.zones.set(id, zone);
      return zone;
    },
    setRrset(zoneId, rrset) {
      const zone = fake.zones.get(zoneId)!;
      const r = { ...rrset, name: fqdn(rrset.name) };
      zone.rrsets = zone.rrsets.filter((x) => !(x.name === r.name && x.type === r.type && x.setIdentifier === r.setIdentifier));
      zone.rrsets.push(r);
    },
    getRrset(zoneId, name, type) {
      return fake.zones.get(zoneId)?.rrsets.find((r) => r.name === fqdn(name) && r.type === type && r.setIdentifier === undefined);
    },
    injectFault(fault) {
      const times = fault.times ?? 1;
      if (times === 0) faults = [];
      else faults.push({ fault, left: times });
    },
    injectError(code, times = 1, only) {
      if (times === 0) errors = errors.filter((e) => e.code !== code);
      else errors.push({ code, left: times, ...(only ? { only } : {}) });
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
  return fake;
}
