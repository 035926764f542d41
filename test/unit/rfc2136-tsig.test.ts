import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import { answerError } from '../../providers/rfc2136/parse.js';
import { signMessage, verifyResponse, type TsigKey } from '../../providers/rfc2136/tsig.js';
import { parseMessage, TYPE } from '../../providers/rfc2136/wire.js';

// Captured on loopback from nsupdate (BIND 9.18 libdns) and named 9.18: `prereq nxrrset app.example.test A`,
// `update delete app.example.test A`, `update add app.example.test 60 A 192.0.2.10`, key dnsfail-key.
const SECRET_256 = Buffer.alloc(32, 0x42); // QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=
const SECRET_512 = Buffer.alloc(64, 0x17);
const WRONG_256 = Buffer.alloc(32, 0x43);
const SHA256_OK = {
  request: [
    'ae7828000001000100020001076578616d706c650474657374000006000103617070c00c000100fe000000000000c01e0001',
    '00ff000000000000c01e000100010000003c0004c000020a0b646e736661696c2d6b65790000fa00ff00000000003d0b686d',
    '61632d7368613235360000006b027ca3012c0020b67f41f7aa491a2dd839006a8225ee8b9f68eb6a183d5e68b413e25e8c35',
    '325eae7800000000',
  ].join(''),
  response: [
    'ae78a8000001000000000001076578616d706c65047465737400000600010b646e736661696c2d6b65790000fa00ff000000',
    '00003d0b686d61632d7368613235360000006b027ca3012c0020716e1f19e56b6aeb04b9b7d3f01cd1ffd0e5a48ddd09c1fe',
    'b6c6ce78200c73ccae7800000000',
  ].join(''),
};
const SHA256_YXRRSET = {
  request: [
    '31c528000001000100020001076578616d706c650474657374000006000103617070c00c000100fe000000000000c01e0001',
    '00ff000000000000c01e000100010000003c0004c000020a0b646e736661696c2d6b65790000fa00ff00000000003d0b686d',
    '61632d7368613235360000006b027ca3012c0020f3dc5a0135533ffcc8a994d7d029137185186bb177f05c32970027c4bf1f',
    '2f8031c500000000',
  ].join(''),
  response: [
    '31c5a8070001000000000001076578616d706c65047465737400000600010b646e736661696c2d6b65790000fa00ff000000',
    '00003d0b686d61632d7368613235360000006b027ca3012c002014a37b2e5c8266ff56ae5ba48594eb069a17382967f4b385',
    'd5a89d8062bfea0031c500000000',
  ].join(''),
};
const SHA256_BADSIG = {
  request: [
    'a02f28000001000100020001076578616d706c650474657374000006000103617070c00c000100fe000000000000c01e0001',
    '00ff000000000000c01e000100010000003c0004c000020a0b646e736661696c2d6b65790000fa00ff00000000003d0b686d',
    '61632d7368613235360000006b027ca3012c002015279f7a3e2262f88b69f6474f76a884361aea4031976e555873b3588e35',
    '3a68a02f00000000',
  ].join(''),
  response: [
    'a02fa8090001000000000001076578616d706c65047465737400000600010b646e736661696c2d6b65790000fa00ff000000',
    '00001d0b686d61632d7368613235360000006b027ca3012c0000a02f00100000',
  ].join(''),
};
const SHA512_OK = {
  request: [
    '645c28000001000100020001076578616d706c650474657374000006000103617070c00c000100fe000000000000c01e0001',
    '00ff000000000000c01e000100010000003c0004c000020a0b646e736661696c2d6b65790000fa00ff00000000005d0b686d',
    '61632d7368613531320000006b027ca3012c00408484b3cd0597e046fac1357e426bf0c10b8dea9655ad6a2cec39e8e84fe8',
    'f7376850f13e1375f65e7bd0ced5b5192a08827bd697603d33c313901fe87128c1bb645c00000000',
  ].join(''),
  response: [
    '645ca8000001000000000001076578616d706c65047465737400000600010b646e736661696c2d6b65790000fa00ff000000',
    '00005d0b686d61632d7368613531320000006b027ca3012c0040d2fc67f7c91fd9292f79ee5e0e88df9204b9fa0363f89dfc',
    'd6be3dd5a45f5c6fd06061d0630d6136ad036d03f846928e54c8955809b68bc39ad08c44742df1f3645c00000000',
  ].join(''),
};

const key256: TsigKey = { name: 'dnsfail-key', algorithm: 'hmac-sha256', secret: SECRET_256 };
const key512: TsigKey = { name: 'dnsfail-key', algorithm: 'hmac-sha512', secret: SECRET_512 };
const hex = (h: string) => Buffer.from(h, 'hex');

/** Splits a signed message into the unsigned message (ARCOUNT - 1), time signed and MAC. */
function unsign(signed: Buffer): { message: Buffer; timeSigned: number; fudge: number; mac: Buffer } {
  const msg = parseMessage(signed);
  const tsig = msg.additionals.at(-1)!;
  assert.equal(tsig.type, TYPE.TSIG);
  const message = Buffer.from(signed.subarray(0, tsig.start));
  message.writeUInt16BE(msg.additionals.length - 1, 10);
  const alg = tsig.rdata.indexOf(0) + 1; // the algorithm name ends with the root label
  const macSize = tsig.rdata.readUInt16BE(alg + 8);
  return { message, timeSigned: tsig.rdata.readUIntBE(alg, 6), fudge: tsig.rdata.readUInt16BE(alg + 6), mac: tsig.rdata.subarray(alg + 10, alg + 10 + macSize) };
}

describe('TSIG signing (RFC 8945) against nsupdate golden messages', () => {
  for (const [label, golden, key] of [
    ['hmac-sha256', SHA256_OK, key256],
    ['hmac-sha512', SHA512_OK, key512],
  ] as const) {
    it(`signs byte for byte like nsupdate with ${label}`, () => {
      const captured = hex(golden.request);
      const u = unsign(captured);
      assert.equal(u.fudge, 300);
      const ours = signMessage(u.message, key, u.timeSigned);
      assert.equal(ours.message.toString('hex'), captured.toString('hex'));
      assert.deepEqual(ours.mac, u.mac);
    });

    it(`verifies named's signed answer with ${label}`, () => {
      const req = unsign(hex(golden.request));
      assert.deepEqual(verifyResponse(hex(golden.response), key, req.mac, req.timeSigned + 5), { status: 'verified' });
    });
  }

  it('a different secret gives a different MAC', () => {
    const u = unsign(hex(SHA256_OK.request));
    const other = signMessage(u.message, { ...key256, secret: WRONG_256 }, u.timeSigned);
    assert.notDeepEqual(other.mac, u.mac);
  });

  it('the MAC covers the time signed', () => {
    const u = unsign(hex(SHA256_OK.request));
    assert.notDeepEqual(signMessage(u.message, key256, u.timeSigned + 1).mac, u.mac);
  });
});

describe('TSIG verification of answers', () => {
  const req = unsign(hex(SHA256_OK.request));
  const answer = hex(SHA256_OK.response);

  it('rejects an answer with one flipped bit in the message', () => {
    const forged = Buffer.from(answer);
    forged[3] = forged[3]! | 0x05; // rcode NOERROR → REFUSED
    assert.equal(verifyResponse(forged, key256, req.mac, req.timeSigned).status, 'invalid');
  });

  it('rejects an answer checked with another secret', () => {
    assert.deepEqual(verifyResponse(answer, { ...key256, secret: WRONG_256 }, req.mac, req.timeSigned), { status: 'invalid', reason: 'the MAC does not match' });
  });

  it('rejects an answer to another request (the request MAC is part of the input)', () => {
    const otherReq = unsign(hex(SHA256_YXRRSET.request));
    assert.equal(verifyResponse(answer, key256, otherReq.mac, req.timeSigned).status, 'invalid');
  });

  it('rejects an answer signed outside the fudge window', () => {
    const check = verifyResponse(answer, key256, req.mac, req.timeSigned + 301);
    assert.equal(check.status, 'invalid');
    assert.match((check as { reason: string }).reason, /fudge 300/);
    assert.equal(verifyResponse(answer, key256, req.mac, req.timeSigned - 300).status, 'verified');
  });

  it('rejects an answer signed by a key of another name or algorithm', () => {
    assert.match(JSON.stringify(verifyResponse(answer, { ...key256, name: 'other-key' }, req.mac, req.timeSigned)), /another key/);
    assert.match(JSON.stringify(verifyResponse(answer, { ...key256, algorithm: 'hmac-sha512' }, req.mac, req.timeSigned)), /another algorithm/);
  });

  it('reports an unsigned answer as unsigned', () => {
    const unsignedAnswer = Buffer.from(answer.subarray(0, parseMessage(answer).additionals[0]!.start));
    unsignedAnswer.writeUInt16BE(0, 10);
    assert.deepEqual(verifyResponse(unsignedAnswer, key256, req.mac, req.timeSigned), { status: 'unsigned' });
  });

  it("named's BADSIG answer (wrong secret) is a TSIG error, mapped to an auth error naming BADSIG", () => {
    const badReq = unsign(hex(SHA256_BADSIG.request));
    const response = hex(SHA256_BADSIG.response);
    const check = verifyResponse(response, key256, badReq.mac, badReq.timeSigned);
    assert.deepEqual(check, { status: 'tsig-error', error: 16, errorName: 'BADSIG' });
    const err = answerError(parseMessage(response), check, { op: 'update', server: '127.0.0.1:53', zone: 'example.test', name: 'app.example.test', type: 'A', keyName: 'dnsfail-key' });
    assert.ok(err instanceof ProviderError);
    assert.equal(err.kind, 'auth');
    assert.match(err.message, /BADSIG for key dnsfail-key/);
    assert.ok(!err.message.includes(SECRET_256.toString('base64')) && !err.message.includes(WRONG_256.toString('base64')));
  });

  it("named's signed YXRRSET answer verifies and is a conflict", () => {
    const yReq = unsign(hex(SHA256_YXRRSET.request));
    const response = hex(SHA256_YXRRSET.response);
    const check = verifyResponse(response, key256, yReq.mac, yReq.timeSigned);
    assert.deepEqual(check, { status: 'verified' });
    const err = answerError(parseMessage(response), check, { op: 'update', server: '127.0.0.1:53', zone: 'example.test', name: 'app.example.test', type: 'A', keyName: 'dnsfail-key' });
    assert.equal(err?.kind, 'conflict');
  });
});
