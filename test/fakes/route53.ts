import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { escapeXml } from '../../providers/route53/xml.js';
import type { ContractFault } from '../contract/provider-contract.js';
import { awsModelDescription, type ModelValue, type ServiceModel } from '../helpers/aws-model.js';
import { startServerMock, type Handler, type MockReply, type MockRequest } from '../helpers/servermock.js';
import { applyChangeBatch, escapeName, fqdn, InvalidChangeBatch, unescapeName, type FakeRrset, type FakeZone } from './route53-changes.js';
import { ApiFailure, verifySigV4, type FakeCredentials } from './route53-sigv4.js';

/**
 * A local Route 53 (REST API 2013-04-01) on the servermock route table, held to AWS's own service
 * model (test/fixtures/api-specs/route53): every request is checked against it and every answer is
 * written from its output shapes; what does not conform lands in `violations`. Behaviour from the API
 * reference: SigV4 verification, both error document forms, ListResourceRecordSets' "start at the
 * first rrset ≥ (name, type)" and paging, all-or-nothing change batches whose DELETE must match TTL
 * and values exactly, the per-request quotas, and changes that stay PENDING for a few GetChange polls.
 */

export type { FakeCredentials } from './route53-sigv4.js';
export type { FakeRrset, FakeZone } from './route53-changes.js';
export const FAKE_CREDENTIALS: FakeCredentials = { accessKeyId: 'AKIAFAKEROUTE53TEST1', secretAccessKey: 'fake/Route53+Secret0123456789abcdefGHIJ' };

const MODEL = JSON.parse(readFileSync(new URL('../../../test/fixtures/api-specs/route53/service-2-excerpt.json', import.meta.url), 'utf8')) as ServiceModel;
const XMLNS = MODEL.operations.ChangeResourceRecordSets!.input!.xmlNamespace!.uri;
/** Codes Route 53 answers that the model does not list (AWS "Common Errors", SigV4). */
const COMMON_ERRORS = ['AccessDenied', 'Throttling', 'ServiceUnavailable', 'InternalFailure', 'MissingAuthenticationToken', 'IncompleteSignature', 'InvalidClientTokenId', 'ExpiredToken', 'SignatureDoesNotMatch'];
const DESCRIPTION = awsModelDescription(MODEL, 'the Route 53 service model (botocore 2025-12-09)', XMLNS, COMMON_ERRORS);
const TYPES = new Set(MODEL.shapes.RRType!.enum);

export type Route53ErrorCode = 'Throttling' | 'PriorRequestNotComplete' | 'AccessDenied' | 'ServiceUnavailable';
type Operation = 'list' | 'change' | 'getChange' | 'zones';

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
  /** Every request, with `status` and `answer` once answered. */
  requests: MockRequest[];
  /** Where a request or an answer broke the service model; the suites assert it empty. */
  violations: string[];
  /** Requests checked against the service model. */
  readonly validated: number;
  /** ChangeResourceRecordSets requests received (applied or not). */
  readonly mutations: number;
  /** GetChange requests received. */
  readonly changePolls: number;
  /** The number of Change elements of every ChangeResourceRecordSets request within the quotas (applied or refused for its content). */
  changeBatches: number[];
  addZone(name: string, opts?: { id?: string; privateZone?: boolean }): FakeZone;
  /** Sets an rrset directly, as "someone else" (another tool, the console) would. */
  setRrset(zoneId: string, rrset: FakeRrset): void;
  getRrset(zoneId: string, name: string, type: string): FakeRrset | undefined;
  /** The shared contract's faults: 5xx, a 429 with Retry-After, or a request that is never answered. */
  injectFault(fault: ContractFault): void;
  /** Route 53's own error answers for the next `times` requests (optionally only for one operation); times 0 clears. */
  injectError(code: Route53ErrorCode, times?: number, only?: Exclude<Operation, 'zones'>): void;
  close(): Promise<void>;
}

/** Route 53 lists rrsets by name with the labels reversed (com.example.www.), then by type. */
const sortKey = (name: string) => `${fqdn(name).slice(0, -1).split('.').reverse().join('.')}.`;
const compareRrsets = (a: { name: string; type: string }, b: { name: string; type: string }) => {
  const ka = sortKey(a.name);
  const kb = sortKey(b.name);
  return ka < kb ? -1 : ka > kb ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
};
const requestId = () => `${randomBytes(4).toString('hex')}-${randomBytes(2).toString('hex')}-${randomBytes(2).toString('hex')}-${randomBytes(6).toString('hex')}`;

const xmlDoc = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
const errorReply = (status: number, code: string, message: string, type = 'Sender'): MockReply => ({
  status,
  body: xmlDoc(`<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`),
});
const INJECTED: Record<Route53ErrorCode, (op: Operation) => ApiFailure> = {
  Throttling: () => new ApiFailure(400, 'Throttling', 'Rate exceeded'),
  PriorRequestNotComplete: () => new ApiFailure(400, 'PriorRequestNotComplete', 'The request was rejected because Route 53 was still processing a prior request.'),
  AccessDenied: (op) => new ApiFailure(403, 'AccessDenied', `User: arn:aws:iam::123456789012:user/dnsfail is not authorized to perform: route53:${op === 'change' ? 'ChangeResourceRecordSets' : 'ListResourceRecordSets'}`),
  ServiceUnavailable: () => new ApiFailure(503, 'ServiceUnavailable', 'Service Unavailable', 'Receiver'),
};

export async function startFakeRoute53(opts: FakeRoute53Options = {}): Promise<FakeRoute53> {
  const credentials = opts.credentials ?? [FAKE_CREDENTIALS];
  const pendingPolls = opts.pendingPolls ?? 2;
  const changes = new Map<string, { polls: number }>();
  let errors: { code: Route53ErrorCode; left: number; only?: string }[] = [];
  let zoneSeq = 0;

  const zoneOr404 = (id: string): FakeZone => {
    const zone = fake.zones.get(id);
    if (!zone) throw new ApiFailure(404, 'NoSuchHostedZone', `No hosted zone found with ID: ${id}`);
    return zone;
  };

  /** A route: injected errors first, then the handler's value written by the output shape; failures as Route 53 writes them. */
  const route = (op: Operation, operation: string, handle: (req: MockRequest) => ModelValue): Handler => (req) => {
    try {
      const injected = errors.find((e) => e.left > 0 && (!e.only || e.only === op));
      if (injected) {
        injected.left--;
        errors = errors.filter((e) => e.left > 0);
        throw INJECTED[injected.code](op);
      }
      return { status: 200, body: DESCRIPTION.encode(operation, handle(req)) };
    } catch (e) {
      if (e instanceof InvalidChangeBatch) {
        const messages = e.messages.map((m) => `<Message>${escapeXml(m)}</Message>`).join('');
        return { status: 400, body: xmlDoc(`<InvalidChangeBatch xmlns="${XMLNS}"><Messages>${messages}</Messages><RequestId>${requestId()}</RequestId></InvalidChangeBatch>`) };
      }
      if (e instanceof ApiFailure) return errorReply(e.status, e.code, e.message, e.type);
      throw e;
    }
  };

  const listRrsets = (req: MockRequest): ModelValue => {
    const zone = zoneOr404(req.params.Id!);
    const q = req.queryAll;
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
    const sets = page.map((r) => ({
      Name: escapeName(r.name),
      Type: r.type,
      ...(r.setIdentifier !== undefined ? { SetIdentifier: r.setIdentifier, Weight: 10 } : {}),
      ...(r.aliasTarget
        ? { AliasTarget: { HostedZoneId: 'Z2FDTNDATAQYW2', DNSName: r.aliasTarget, EvaluateTargetHealth: false } }
        : { TTL: r.ttl!, ResourceRecords: r.values.map((v) => ({ Value: v })) }),
    }));
    return { ResourceRecordSets: sets, IsTruncated: next !== undefined, NextRecordName: next && escapeName(next.name), NextRecordType: next?.type, MaxItems: String(max) };
  };

  const changeRrsets = (req: MockRequest): ModelValue => {
    const { changes: count, comment } = applyChangeBatch(zoneOr404(req.params.Id!), req.raw, TYPES, XMLNS);
    fake.changeBatches.push(count);
    const id = `C${randomBytes(8).toString('hex').toUpperCase()}`;
    changes.set(id, { polls: 0 });
    return { ChangeInfo: { Id: `/change/${id}`, Status: 'PENDING', SubmittedAt: new Date(), Comment: comment } };
  };

  const getChange = (req: MockRequest): ModelValue => {
    const id = req.params.Id!;
    const change = changes.get(id);
    if (!change) throw new ApiFailure(404, 'NoSuchChange', `A change with the specified change ID does not exist: ${id}`);
    return { ChangeInfo: { Id: `/change/${id}`, Status: change.polls++ < pendingPolls ? 'PENDING' : 'INSYNC', SubmittedAt: new Date() } };
  };

  const zonesByName = (req: MockRequest): ModelValue => {
    const dnsName = req.queryAll.get('dnsname');
    const max = Math.min(Number(req.queryAll.get('maxitems') ?? '100') || 100, 100);
    const sorted = [...fake.zones.values()].sort((a, b) => compareRrsets({ name: a.name, type: a.id }, { name: b.name, type: b.id }));
    const from = dnsName === null ? 0 : sorted.findIndex((z) => sortKey(z.name) >= sortKey(dnsName));
    const page = from === -1 ? [] : sorted.slice(from, from + max);
    const next = from === -1 ? undefined : sorted[from + max];
    const zones = page.map((z) => ({ Id: `/hostedzone/${z.id}`, Name: z.name, CallerReference: `fake-${z.id}`, Config: { PrivateZone: z.privateZone }, ResourceRecordSetCount: z.rrsets.length }));
    return { HostedZones: zones, DNSName: dnsName ?? undefined, IsTruncated: next !== undefined, NextDNSName: next?.name, NextHostedZoneId: next?.id, MaxItems: String(max) };
  };

  const mock = await startServerMock({
    description: DESCRIPTION,
    headers: () => ({ 'content-type': 'text/xml', 'x-amzn-requestid': requestId() }),
    routes: {
      'GET /2013-04-01/hostedzone/{Id}/rrset': route('list', 'ListResourceRecordSets', listRrsets),
      'POST /2013-04-01/hostedzone/{Id}/rrset/': route('change', 'ChangeResourceRecordSets', changeRrsets),
      'GET /2013-04-01/change/{Id}': route('getChange', 'GetChange', getChange),
      'GET /2013-04-01/hostedzonesbyname': route('zones', 'ListHostedZonesByName', zonesByName),
    },
    before: (req) => {
      try {
        verifySigV4(req, credentials, opts.expiredTokens ?? []);
        return undefined;
      } catch (e) {
        const f = e as ApiFailure;
        return errorReply(f.status, f.code, f.message, f.type);
      }
    },
    notFound: (req) => errorReply(404, 'UnknownOperationException', `Unknown operation ${req.method} ${req.path}`),
    faultReply: (f) =>
      f.kind === 'http-5xx'
        ? errorReply(f.status ?? 503, 'ServiceUnavailable', 'Service Unavailable', 'Receiver')
        : { ...errorReply(429, 'Throttling', 'Rate exceeded'), headers: f.retryAfterS !== undefined ? { 'retry-after': String(f.retryAfterS) } : {} },
  });
  const count = (method: string, path: RegExp) => mock.requests.filter((r) => r.method === method && path.test(r.path)).length;

  const fake: FakeRoute53 = {
    url: mock.url,
    port: mock.port,
    zones: new Map(),
    requests: mock.requests,
    violations: mock.violations,
    get validated() {
      return mock.validated;
    },
    get mutations() {
      return count('POST', /^\/2013-04-01\/hostedzone\/[^/]+\/rrset\/?$/);
    },
    get changePolls() {
      return count('GET', /^\/2013-04-01\/change\/[^/]+$/);
    },
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
    injectFault: (fault) => mock.injectFault(fault),
    injectError(code, times = 1, only) {
      if (times === 0) errors = errors.filter((e) => e.code !== code);
      else errors.push({ code, left: times, ...(only ? { only } : {}) });
    },
    close: () => mock.close(),
  };
  return fake;
}

/** The last case of a describe that uses a fake: every request it got conformed to the service model. */
export function itConformsToTheServiceModel(fake: () => FakeRoute53): void {
  it('every request conformed to the Route 53 service model', () => {
    assert.ok(fake().validated > 0, 'no request was checked');
    assert.deepEqual(fake().violations, []);
  });
}
