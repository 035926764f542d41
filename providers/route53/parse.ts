import { parseRetryAfter, type HttpResponse } from '../kit/http.js';
import { ProviderError } from '../kit/errors.js';

/**
 * Pure reading and writing of the few Route 53 XML documents dnsfail uses (API version 2013-04-01).
 * A focused parser rather than an XML dependency: these documents are small, namespaced by a default
 * xmlns only, and carry no DTDs; anything else (a DOCTYPE, a half-closed tag) is refused.
 */

export const XMLNS = 'https://route53.amazonaws.com/doc/2013-04-01/';

export interface XmlElement {
  /** Local name, without a namespace prefix. */
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text directly inside this element (entities decoded). */
  text: string;
}

export class XmlError extends Error {}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    const v = ENTITIES[e];
    if (v === undefined) throw new XmlError(`unknown entity ${m}`);
    return v;
  });
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const localName = (qname: string) => qname.slice(qname.indexOf(':') + 1);

/** Parses one XML document into its root element. Throws XmlError on anything malformed. */
export function parseXml(doc: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const fail = (why: string): never => {
    throw new XmlError(`${why} at offset ${i}`);
  };
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = doc.slice(i, lt === -1 ? doc.length : lt);
    if (text.trim()) {
      const top = stack.at(-1);
      if (!top) fail('text outside the root element');
      else top.text += decodeEntities(text);
    }
    if (lt === -1) break;
    i = lt;
    if (doc.startsWith('<?', i)) {
      const end = doc.indexOf('?>', i);
      if (end === -1) fail('unterminated processing instruction');
      i = end + 2;
    } else if (doc.startsWith('<!--', i)) {
      const end = doc.indexOf('-->', i);
      if (end === -1) fail('unterminated comment');
      i = end + 3;
    } else if (doc.startsWith('<![CDATA[', i)) {
      const end = doc.indexOf(']]>', i);
      const top = stack.at(-1);
      if (end === -1 || !top) fail('bad CDATA section');
      top!.text += doc.slice(i + 9, end);
      i = end + 3;
    } else if (doc.startsWith('<!', i)) {
      fail('DTDs are not accepted');
    } else if (doc.startsWith('</', i)) {
      const end = doc.indexOf('>', i);
      if (end === -1) fail('unterminated end tag');
      const name = localName(doc.slice(i + 2, end).trim());
      const open = stack.pop();
      if (!open || open.name !== name) fail(`unexpected </${name}>`);
      if (stack.length === 0) root = open;
      i = end + 1;
    } else {
      const m = /^<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/.exec(doc.slice(i));
      if (!m) fail('malformed start tag');
      if (root) fail('a second root element');
      const attrs: Record<string, string> = {};
      for (const a of m![2]!.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[a[1]!] = decodeEntities(a[2] ?? a[3] ?? '');
      const el: XmlElement = { name: localName(m![1]!), attrs, children: [], text: '' };
      stack.at(-1)?.children.push(el);
      if (m![3]) {
        if (stack.length === 0) root = el;
      } else {
        stack.push(el);
      }
      i += m![0].length;
    }
  }
  if (stack.length) fail(`<${stack.at(-1)!.name}> is not closed`);
  if (!root) fail('no root element');
  return root!;
}

export const child = (el: XmlElement | undefined, name: string): XmlElement | undefined => el?.children.find((c) => c.name === name);
export const children = (el: XmlElement | undefined, name: string): XmlElement[] => el?.children.filter((c) => c.name === name) ?? [];
export const textOf = (el: XmlElement | undefined, name: string): string | undefined => {
  const c = child(el, name);
  return c === undefined ? undefined : c.text.trim();
};

/**
 * A name as Route 53 returns it → dnsfail's form: lower case, no trailing dot, `\DDD` octal escapes
 * decoded (Route 53 lists `*.example.com` as `\052.example.com.`).
 */
export function decodeRoute53Name(name: string): string {
  return name
    .replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)))
    .toLowerCase()
    .replace(/\.$/, '');
}

/** dnsfail's name → the fully qualified form Route 53 expects in requests. */
export const toFqdn = (name: string) => (name.endsWith('.') ? name : `${name}.`);

export interface Rrset {
  /** As Route 53 spelt it (escapes and trailing dot kept), for sending back in a DELETE. */
  rawName: string;
  /** decodeRoute53Name(rawName). */
  name: string;
  type: string;
  ttl?: number;
  values: string[];
  /** Weighted, latency, failover … records carry one; dnsfail manages only simple records. */
  setIdentifier?: string;
  /** An alias record points at an AWS resource and has no values. */
  alias?: boolean;
}

export interface RrsetPage {
  rrsets: Rrset[];
  isTruncated: boolean;
  nextRecordName?: string;
  nextRecordType?: string;
}

function expectRoot(doc: string, name: string): XmlElement {
  const root = parseXml(doc);
  if (root.name !== name) throw new XmlError(`expected <${name}>, got <${root.name}>`);
  return root;
}

export function parseRrsetElement(el: XmlElement): Rrset {
  const rawName = textOf(el, 'Name') ?? '';
  const ttlText = textOf(el, 'TTL');
  const setIdentifier = textOf(el, 'SetIdentifier');
  return {
    rawName,
    name: decodeRoute53Name(rawName),
    type: textOf(el, 'Type') ?? '',
    ...(ttlText !== undefined ? { ttl: Number(ttlText) } : {}),
    values: children(child(el, 'ResourceRecords'), 'ResourceRecord').map((r) => textOf(r, 'Value') ?? ''),
    ...(setIdentifier !== undefined ? { setIdentifier } : {}),
    ...(child(el, 'AliasTarget') ? { alias: true } : {}),
  };
}

/** ListResourceRecordSetsResponse. */
export function parseRrsetPage(doc: string): RrsetPage {
  const root = expectRoot(doc, 'ListResourceRecordSetsResponse');
  const nextRecordName = textOf(root, 'NextRecordName');
  const nextRecordType = textOf(root, 'NextRecordType');
  return {
    rrsets: children(child(root, 'ResourceRecordSets'), 'ResourceRecordSet').map(parseRrsetElement),
    isTruncated: textOf(root, 'IsTruncated') === 'true',
    ...(nextRecordName !== undefined ? { nextRecordName } : {}),
    ...(nextRecordType !== undefined ? { nextRecordType } : {}),
  };
}

export interface ChangeInfo {
  /** Bare id (C2682N5HXP0BZ4), the `/change/` prefix removed. */
  id: string;
  status: 'PENDING' | 'INSYNC' | string;
}

/** ChangeResourceRecordSetsResponse or GetChangeResponse. */
export function parseChangeInfo(doc: string): ChangeInfo {
  const root = parseXml(doc);
  if (root.name !== 'ChangeResourceRecordSetsResponse' && root.name !== 'GetChangeResponse') throw new XmlError(`expected a ChangeInfo response, got <${root.name}>`);
  const info = child(root, 'ChangeInfo');
  const id = textOf(info, 'Id');
  const status = textOf(info, 'Status');
  if (!id || !status) throw new XmlError('ChangeInfo without Id or Status');
  return { id: id.replace(/^\/change\//, ''), status };
}

export interface HostedZone {
  /** Bare id (Z0123456789), the `/hostedzone/` prefix removed. */
  id: string;
  name: string;
  privateZone: boolean;
}

export interface HostedZonePage {
  zones: HostedZone[];
  isTruncated: boolean;
}

/** ListHostedZonesByNameResponse. */
export function parseHostedZonesByName(doc: string): HostedZonePage {
  const root = expectRoot(doc, 'ListHostedZonesByNameResponse');
  return {
    zones: children(child(root, 'HostedZones'), 'HostedZone').map((z) => ({
      id: (textOf(z, 'Id') ?? '').replace(/^\/hostedzone\//, ''),
      name: decodeRoute53Name(textOf(z, 'Name') ?? ''),
      privateZone: textOf(child(z, 'Config'), 'PrivateZone') === 'true',
    })),
    isTruncated: textOf(root, 'IsTruncated') === 'true',
  };
}

export interface ApiError {
  code: string;
  messages: string[];
  requestId?: string;
}

/**
 * Route 53 errors come in two shapes: the usual `<ErrorResponse><Error><Code/><Message/>` and, from
 * ChangeResourceRecordSets, `<InvalidChangeBatch><Messages><Message/>…`. Undefined when the body is neither.
 */
export function parseApiError(doc: string): ApiError | undefined {
  let root: XmlElement;
  try {
    root = parseXml(doc);
  } catch {
    return undefined;
  }
  const requestId = textOf(root, 'RequestId');
  const rid = requestId ? { requestId } : {};
  if (root.name === 'ErrorResponse') {
    const err = child(root, 'Error');
    const code = textOf(err, 'Code');
    if (!code) return undefined;
    const message = textOf(err, 'Message');
    return { code, messages: message ? [message] : [], ...rid };
  }
  if (root.name === 'InvalidChangeBatch') {
    return { code: 'InvalidChangeBatch', messages: children(child(root, 'Messages'), 'Message').map((m) => m.text.trim()), ...rid };
  }
  return undefined;
}

const AUTH_CODES = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'AccessDeniedException',
  'ExpiredToken',
  'MissingAuthenticationToken',
  'IncompleteSignature',
  'UnrecognizedClientException',
]);
const RATE_CODES = new Set(['Throttling', 'ThrottlingException', 'PriorRequestNotComplete', 'TooManyRequestsException']);
/** The InvalidChangeBatch messages that mean "the rrset is not what you thought": a lost compare-and-set. */
const CAS_MESSAGE = /but (?:the values provided do not match the current values|it was not found|it already exists)/i;

/**
 * A Route 53 error answer → a typed provider error. `where` is "Route 53 METHOD /path" (no query). The
 * message carries the error code and, except for auth errors (whose text may echo the canonical
 * request), Route 53's own short explanation; never a header or the request body.
 */
export function route53Error(where: string, res: Pick<HttpResponse, 'status' | 'body' | 'headers'>): ProviderError {
  const api = parseApiError(res.body);
  const status = `HTTP ${res.status}`;
  const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
  const detail = api?.messages.length ? `: ${api.messages.join('; ').slice(0, 400)}` : '';
  if (!api) {
    if (res.status === 429) return new ProviderError('rate-limited', `${where}: ${status} (rate limited)`, retryAfterMs === undefined ? {} : { retryAfterMs });
    if (res.status === 401 || res.status === 403) return new ProviderError('auth', `${where}: ${status} (credentials rejected or lacking permission)`);
    if (res.status >= 500 || res.status === 408) return new ProviderError('transient', `${where}: ${status}`);
    return new ProviderError('fatal', `${where}: ${status}`);
  }
  const head = `${where}: ${status} ${api.code}`;
  if (AUTH_CODES.has(api.code)) {
    const hint = api.code === 'AccessDenied' || api.code === 'AccessDeniedException' ? ' (the credentials lack a Route 53 permission; see the provider README)' : ' (check the access key, secret and session token)';
    return new ProviderError('auth', `${head}${hint}`, { code: api.code });
  }
  if (RATE_CODES.has(api.code) || res.status === 429) {
    return new ProviderError('rate-limited', `${head}${detail}`, { code: api.code, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }
  if (api.code === 'InvalidChangeBatch') {
    const cas = api.messages.length > 0 && api.messages.every((m) => CAS_MESSAGE.test(m));
    return new ChangeBatchError(cas ? 'conflict' : 'fatal', `${head}${detail}`, api.messages);
  }
  if (res.status >= 500 || res.status === 408) return new ProviderError('transient', `${head}${detail}`, { code: api.code });
  return new ProviderError('fatal', `${head}${detail}`, { code: api.code });
}

/** An `InvalidChangeBatch` answer, with every message Route 53 gave (the error text is shortened). */
export class ChangeBatchError extends ProviderError {
  constructor(
    kind: 'conflict' | 'fatal',
    message: string,
    readonly messages: string[],
  ) {
    super(kind, message, { code: 'InvalidChangeBatch' });
  }
}

/** Whether one InvalidChangeBatch message is a lost compare-and-set (rather than an invalid change). */
export const isCasMessage = (message: string): boolean => CAS_MESSAGE.test(message);

/**
 * The rrset an InvalidChangeBatch message is about, as a `name/TYPE` key in dnsfail's name form:
 * "Tried to delete resource record set [name='app.example.com.', type='A'] but …". Undefined when
 * the message names none (e.g. "Number of records limit of 1000 exceeded.").
 */
export function rrsetNamedIn(message: string): string | undefined {
  const m = /\[name='([^']+)', type='([A-Z0-9]+)'/.exec(message);
  return m ? `${decodeRoute53Name(m[1]!)}/${m[2]}` : undefined;
}

/**
 * Route 53's listing order: names compared with their labels reversed (`com.example.www.`), then types.
 * readMany relies on it to know which wanted rrsets a page has passed.
 */
export function compareListingOrder(a: { name: string; type: string }, b: { name: string; type: string }): number {
  const key = (n: string) => `${n.toLowerCase().replace(/\.$/, '').split('.').reverse().join('.')}.`;
  const ka = key(a.name);
  const kb = key(b.name);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
}

/** ChangeResourceRecordSets limits per request (Route 53 quotas): ResourceRecord elements and characters in all Value elements. */
export const CHANGE_BATCH_LIMITS = { records: 1000, valueChars: 32_000 };

/**
 * Splits groups of changes (one group per record: its DELETE and CREATE must stay together, or the
 * compare-and-set is lost) into as few requests as the limits allow, in order. Returns group indices.
 */
export function packChangeGroups(groups: Change[][], limits = CHANGE_BATCH_LIMITS): number[][] {
  const batches: number[][] = [];
  let records = 0;
  let chars = 0;
  groups.forEach((group, i) => {
    const r = group.reduce((n, c) => n + c.values.length * (c.action === 'UPSERT' ? 2 : 1), 0);
    const ch = group.reduce((n, c) => n + c.values.reduce((m, v) => m + v.length, 0) * (c.action === 'UPSERT' ? 2 : 1), 0);
    const last = batches.at(-1);
    if (last && records + r <= limits.records && chars + ch <= limits.valueChars) {
      last.push(i);
      records += r;
      chars += ch;
    } else {
      batches.push([i]);
      records = r;
      chars = ch;
    }
  });
  return batches;
}

export interface Change {
  action: 'CREATE' | 'DELETE' | 'UPSERT';
  name: string;
  type: string;
  ttl: number;
  values: string[];
}

/** A ChangeResourceRecordSetsRequest document. */
export function changeBatchXml(changes: Change[], comment?: string): string {
  const change = (c: Change) =>
    `<Change><Action>${c.action}</Action><ResourceRecordSet><Name>${escapeXml(toFqdn(c.name))}</Name><Type>${escapeXml(c.type)}</Type><TTL>${c.ttl}</TTL>` +
    `<ResourceRecords>${c.values.map((v) => `<ResourceRecord><Value>${escapeXml(v)}</Value></ResourceRecord>`).join('')}</ResourceRecords></ResourceRecordSet></Change>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ChangeResourceRecordSetsRequest xmlns="${XMLNS}"><ChangeBatch>` +
    (comment ? `<Comment>${escapeXml(comment)}</Comment>` : '') +
    `<Changes>${changes.map(change).join('')}</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`
  );
}
