import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signRequest } from '../../providers/route53/sign.js';

// Golden values from the public aws-sig-v4-test-suite (docs.aws.amazon.com, "Signature Version 4 test
// suite"): credentials AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, date 20150830T123600Z,
// region us-east-1, service "service", host example.amazonaws.com.
const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SCOPE = { service: 'service', region: 'us-east-1', now: new Date('2015-08-30T12:36:00Z') };
const CREDENTIAL = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';

describe('SigV4 signing (aws-sig-v4-test-suite vectors, date pinned)', () => {
  it('get-vanilla', () => {
    const s = signRequest({ method: 'GET', url: new URL('https://example.amazonaws.com/') }, CREDS, SCOPE);
    assert.equal(s.headers.authorization, `${CREDENTIAL}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31`);
    assert.equal(s.headers['x-amz-date'], '20150830T123600Z');
    assert.equal(s.headers.host, 'example.amazonaws.com');
    assert.equal(s.path, '/');
  });

  it('post-x-www-form-urlencoded (content-type signed, body hashed, content-length not signed)', () => {
    const s = signRequest(
      { method: 'POST', url: new URL('https://example.amazonaws.com/'), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'Param1=value1' },
      CREDS,
      SCOPE,
    );
    assert.equal(s.headers.authorization, `${CREDENTIAL}, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a`);
    assert.equal(s.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(s.headers['content-length'], undefined);
  });

  it('get-vanilla-query-order-key-case: the query is sorted for signing, and sent as signed', () => {
    const s = signRequest({ method: 'GET', url: new URL('https://example.amazonaws.com/?Param2=value2&Param1=value1') }, CREDS, SCOPE);
    assert.equal(s.headers.authorization, `${CREDENTIAL}, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500`);
    assert.equal(s.path, '/?Param2=value2&Param1=value1');
  });

  it('a different secret, body or date changes the signature', () => {
    const base = signRequest({ method: 'POST', url: new URL('https://example.amazonaws.com/'), body: 'a' }, CREDS, SCOPE).headers.authorization;
    assert.notEqual(signRequest({ method: 'POST', url: new URL('https://example.amazonaws.com/'), body: 'b' }, CREDS, SCOPE).headers.authorization, base);
    assert.notEqual(signRequest({ method: 'POST', url: new URL('https://example.amazonaws.com/'), body: 'a' }, { ...CREDS, secretAccessKey: 'x' }, SCOPE).headers.authorization, base);
    assert.notEqual(signRequest({ method: 'POST', url: new URL('https://example.amazonaws.com/'), body: 'a' }, CREDS, { ...SCOPE, now: new Date('2015-08-30T12:36:01Z') }).headers.authorization, base);
  });

  it('a session token is sent as x-amz-security-token and signed', () => {
    const s = signRequest({ method: 'GET', url: new URL('https://example.amazonaws.com/') }, { ...CREDS, sessionToken: 'TOKEN' }, SCOPE);
    assert.equal(s.headers['x-amz-security-token'], 'TOKEN');
    assert.match(s.headers.authorization!, /SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
  });

  it('Route 53: the host keeps a non-default port, and a wildcard in the query is percent-encoded', () => {
    const url = new URL('http://127.0.0.1:8053/2013-04-01/hostedzone/Z1/rrset?name=*.example.test.&type=A&maxitems=1');
    const s = signRequest({ method: 'GET', url }, CREDS, { ...SCOPE, service: 'route53' });
    assert.equal(s.headers.host, '127.0.0.1:8053');
    assert.equal(s.path, '/2013-04-01/hostedzone/Z1/rrset?name=%2A.example.test.&type=A&maxitems=1');
    assert.match(s.headers.authorization!, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20150830\/us-east-1\/route53\/aws4_request, /);
  });
});
