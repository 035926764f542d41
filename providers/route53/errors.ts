import { parseRetryAfter, type HttpResponse } from '../kit/http.js';
import { ProviderError } from '../kit/errors.js';
import { decodeRoute53Name } from './parse.js';
import { child, children, parseXml, textOf, type XmlElement } from './xml.js';

/** Route 53's error answers → typed provider errors (auth, rate-limited, conflict, transient, fatal). */

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
