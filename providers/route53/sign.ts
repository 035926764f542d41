import aws4 from 'aws4';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigningRequest {
  method: string;
  /** Full URL; its host (with a non-default port) and path + query are signed. */
  url: URL;
  /** Extra headers to sign (e.g. content-type). */
  headers?: Record<string, string>;
  body?: string;
}

export interface SignedRequest {
  /** Path and query exactly as signed: send this, not a re-encoding of it. */
  path: string;
  /** Headers to send: host, x-amz-date, authorization, x-amz-security-token, plus the given ones. */
  headers: Record<string, string>;
}

const amzDate = (d: Date) => d.toISOString().replace(/[:-]|\.\d{3}/g, '');

/**
 * AWS Signature Version 4 with the aws4 package. The date is passed in (tests pin it). Content-Length
 * is left unsigned, as in the public test suite's vectors; the HTTP client sets it.
 */
export function signRequest(req: SigningRequest, creds: AwsCredentials, scope: { service: string; region: string; now: Date }): SignedRequest {
  // extraHeadersToIgnore is honoured by aws4 but missing from its type definitions.
  const request = {
    method: req.method,
    host: req.url.host,
    path: `${req.url.pathname}${req.url.search}`,
    service: scope.service,
    region: scope.region,
    headers: { ...req.headers, 'X-Amz-Date': amzDate(scope.now) },
    ...(req.body !== undefined ? { body: req.body } : {}),
    extraHeadersToIgnore: { 'content-length': true },
  };
  const credentials = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}) };
  const signed = aws4.sign(request as aws4.Request, credentials);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers ?? {})) {
    if (k.toLowerCase() === 'content-length' || v === undefined) continue;
    headers[k.toLowerCase()] = String(v);
  }
  return { path: signed.path ?? '/', headers };
}
