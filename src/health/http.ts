import { readFile } from 'node:fs/promises';
import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { checkServerIdentity, createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { ipFamily, isIpv6 } from '../../providers/kit/ip.js';
import { errorCode } from './tcp.js';
import type { BodyMatch, HttpCheck, ProbeResult } from './types.js';

// Shared, without keep-alive: every probe still gets a fresh connection, and a run of thousands of
// probes does not build (and garbage-collect) an agent per request as `agent: false` does. No TLS
// session cache: a resumed session skips the certificate check, and each probe must make it.
const agents = { http: new http.Agent({ keepAlive: false }), https: new https.Agent({ keepAlive: false, maxCachedSessions: 0 }) };

/**
 * One HTTP(S) request to the server's IP with the public name as Host header and TLS SNI, on a fresh
 * connection, under a single deadline covering connect, headers and body. Redirects are judged by their status.
 * Healthy needs the expected status and a body that ends (or reaches maxBodyBytes) cleanly before the deadline.
 */
export async function probeHttp(address: string, check: HttpCheck, signal?: AbortSignal): Promise<ProbeResult> {
  const start = performance.now();
  const elapsed = (): number => performance.now() - start;
  let secureContext: SecureContext | undefined;
  let bodyCheck: BodyCheck | undefined;
  try {
    if (check.type === 'https' && check.caFile !== undefined) secureContext = await secureContextWithCaFile(check.caFile);
    if (check.expectBody) bodyCheck = bodyCheckFor(check.expectBody);
  } catch (err) {
    return { healthy: false, latencyMs: elapsed(), error: err instanceof Error ? err.message : String(err) };
  }
  const remainingMs = Math.max(0, check.timeoutMs - elapsed());

  return new Promise((resolve) => {
    let settled = false;
    let phase: Phase = 'connect';
    let detail: string | undefined;
    const finish = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(error === undefined ? { healthy: true, latencyMs: elapsed(), ...(detail ? { detail } : {}) } : { healthy: false, latencyMs: elapsed(), error });
    };

    const req = (check.type === 'https' ? https : http).request({
      host: address,
      port: check.port,
      method: check.method,
      path: check.path,
      headers: requestHeaders(check),
      agent: check.type === 'https' ? agents.https : agents.http,
      ...(check.type === 'https' ? tlsOptions(check, secureContext) : {}),
    });
    const timer = setTimeout(() => finish(`timeout after ${check.timeoutMs}ms`), remainingMs);
    const onAbort = (): void => finish('aborted');
    if (signal?.aborted) return finish('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });

    req.once('socket', (socket) => {
      socket.once('connect', () => (phase = check.type === 'https' ? 'handshake' : 'response'));
      socket.once('secureConnect', () => (phase = 'response'));
    });
    req.on('error', (err) => finish(describeRequestError(err, phase)));
    req.once('response', (res) => {
      phase = 'body';
      res.on('error', (err) => finish(describeRequestError(err, 'body')));
      const status = res.statusCode ?? 0;
      detail = `HTTP ${status}`;
      if (!check.expectStatus.some(([lo, hi]) => status >= lo && status <= hi)) {
        return finish(`status ${status} (expected ${formatRanges(check.expectStatus)})`);
      }
      // The body is read even without expectBody: a response cut short or that never completes is a
      // broken server. The read stops at maxBodyBytes, so an endless body costs no more than a long one.
      readBodyPrefix(res, check.maxBodyBytes, (body) => finish(!bodyCheck || bodyCheck.test(body) ? undefined : bodyCheck.failure));
    });
    req.end();
  });
}

/** Host header value: the name, bracketed if it is an IPv6 literal, with :port only off the default port. */
export function hostHeader(check: Pick<HttpCheck, 'type' | 'host' | 'port'>): string {
  const name = isIpv6(check.host) ? `[${check.host}]` : check.host;
  const defaultPort = check.type === 'https' ? 443 : 80;
  return check.port === defaultPort ? name : `${name}:${check.port}`;
}

function requestHeaders(check: HttpCheck): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(check.headers)) {
    if (name.toLowerCase() !== 'host') headers[name] = value;
  }
  headers.host = hostHeader(check);
  return headers;
}

function tlsOptions(check: HttpCheck, secureContext: SecureContext | undefined): https.RequestOptions {
  return {
    // RFC 6066 forbids an IP literal as SNI; the certificate is still checked against check.host.
    ...(ipFamily(check.host) ? {} : { servername: check.host }),
    rejectUnauthorized: !check.insecure,
    checkServerIdentity: (_host, cert) => checkServerIdentity(check.host, cert),
    ...(secureContext ? { secureContext } : {}),
  };
}

/** Calls done once with the first maxBytes of the body (or all of it, if shorter). */
function readBodyPrefix(res: IncomingMessage, maxBytes: number, done: (body: string) => void): void {
  const chunks: Buffer[] = [];
  let length = 0;
  const complete = (): void => done(Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8'));
  if (maxBytes <= 0) return complete();
  res.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    length += chunk.length;
    if (length >= maxBytes) complete();
  });
  res.once('end', complete);
}

interface BodyCheck {
  test(body: string): boolean;
  failure: string;
}

function bodyCheckFor(match: BodyMatch): BodyCheck {
  if (match.kind === 'substring') {
    return { test: (body) => body.includes(match.text), failure: `body did not contain ${JSON.stringify(shorten(match.text, 60))}` };
  }
  const re = new RegExp(match.source, match.flags);
  return { test: (body) => re.test(body), failure: `body did not match /${shorten(match.source, 60)}/${match.flags}` };
}

function formatRanges(ranges: Array<[number, number]>): string {
  return ranges.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(', ');
}

const TLS_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in chain (untrusted CA; set caFile?)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the certificate (untrusted issuer or missing intermediate)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate issuer not trusted (set caFile?)',
  UNABLE_TO_GET_ISSUER_CERT: 'certificate issuer not found',
  CERT_REVOKED: 'certificate revoked',
  ERR_SSL_WRONG_VERSION_NUMBER: 'handshake failed (is the port serving plain HTTP?)',
};

type Phase = 'connect' | 'handshake' | 'response' | 'body';
const PHASE_WORDS: Record<Exclude<Phase, 'connect'>, string> = {
  handshake: 'during the TLS handshake',
  response: 'while waiting for the response',
  body: 'while reading the body',
};

/** Short, human, no header values: "connect ECONNREFUSED", "TLS: certificate has expired". */
function describeRequestError(err: Error, phase: Phase): string {
  const code = errorCode(err);
  if (code === 'EPROTO') {
    // OpenSSL handshake failures arrive as "write EPROTO …:SSL routines:<function>:<reason>:…".
    const reason = /SSL routines:[^:]*:([^:]+)/.exec(err.message)?.[1];
    if (reason === 'wrong version number') return `TLS: ${TLS_ERRORS.ERR_SSL_WRONG_VERSION_NUMBER}`;
    return reason ? `TLS: handshake failed (${reason})` : 'TLS: handshake failed';
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `TLS: certificate name mismatch (${shorten(err.message, 200)})`;
  const tls = TLS_ERRORS[code];
  if (tls) return `TLS: ${tls}`;
  if (/^ERR_(SSL|TLS)_/.test(code)) return `TLS: ${shorten(err.message, 200)}`;
  if (code.startsWith('HPE_')) return `invalid HTTP response (${code})`;
  if (phase === 'connect') return `connect ${code}`;
  // A reset after the TCP connect is not a refused connection: say when it happened.
  return `${code} ${PHASE_WORDS[phase]}`;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A TLS context trusting Node's default roots plus the PEM file's certificates, built once per path:
 * parsing the roots costs tens of milliseconds, and `ca` alone would replace them.
 */
const secureContexts = new Map<string, Promise<SecureContext>>();
function secureContextWithCaFile(caFile: string): Promise<SecureContext> {
  let context = secureContexts.get(caFile);
  if (!context) {
    context = (async () => {
      let pem: string;
      try {
        pem = await readFile(caFile, 'utf8');
      } catch (err) {
        throw new Error(`cannot read caFile ${caFile}: ${errorCode(err)}`);
      }
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`caFile ${caFile} holds no PEM certificate`);
      return createSecureContext({ ca: [...rootCertificates, pem] });
    })();
    context.catch(() => secureContexts.delete(caFile));
    secureContexts.set(caFile, context);
  }
  return context;
}
