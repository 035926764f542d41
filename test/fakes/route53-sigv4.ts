import aws4 from 'aws4';
import type { MockRequest } from '../helpers/servermock.js';

export interface FakeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** An error answer of the fake: Route 53's code, HTTP status and message. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

/**
 * SigV4 as Route 53 checks it: recompute the signature over the headers the client says it signed,
 * with the secret we know (aws4), scoped to us-east-1/route53 and within 5 minutes of now.
 */
export function verifySigV4(req: MockRequest, credentials: FakeCredentials[], expiredTokens: string[]): void {
  const auth = req.headers.authorization;
  if (!auth) throw new ApiFailure(403, 'MissingAuthenticationToken', 'Missing Authentication Token');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) throw new ApiFailure(400, 'IncompleteSignature', 'Authorization header requires Credential, SignedHeaders and Signature.');
  const [, keyId, day, region, service, signedList, signature] = m as unknown as [string, string, string, string, string, string, string];
  const cred = credentials.find((c) => c.accessKeyId === keyId);
  if (!cred) throw new ApiFailure(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  const token = req.headers['x-amz-security-token'];
  if (typeof token === 'string' && expiredTokens.includes(token)) throw new ApiFailure(403, 'ExpiredToken', 'The security token included in the request is expired');
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
  const request = { method: req.method, path: req.url, host: headers.host, headers, body: req.raw, service: 'route53', region: 'us-east-1', extraHeadersToIgnore: ignore };
  const expected = aws4.sign(request as aws4.Request, { accessKeyId: cred.accessKeyId, secretAccessKey: cred.secretAccessKey });
  const got = /Signature=([0-9a-f]{64})/.exec(String(expected.headers?.Authorization ?? ''))?.[1];
  if (got !== signature) {
    throw new ApiFailure(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
  }
}
