import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { ProviderError } from '../../providers/kit/errors.js';
import { answerError, readAnswer, type AnswerContext } from '../../providers/rfc2136/parse.js';
import { encodeUpdate, OPCODE, parseMessage, RCODE, WireError } from '../../providers/rfc2136/wire.js';

// What an answer from the server means: the rrset read, or the typed error of a query, an update or
// the check update (checkWrite).

const base = { id: 0x1234, zone: 'example.test', name: 'app.example.test', type: 'A' as const, ttl: 60 };

describe('parsing answers', () => {
  const answer = (rcode: keyof typeof RCODE, answers: dnsPacket.Answer[], flags = dnsPacket.AUTHORITATIVE_ANSWER) =>
    parseMessage(dnsPacket.encode({ type: 'response', id: 1, flags: flags | RCODE[rcode], questions: [{ name: 'app.example.test', type: 'A' }], answers }));
  const ctx: AnswerContext = { op: 'query', server: '127.0.0.1:53', zone: 'example.test', name: 'app.example.test', type: 'A' };

  it('reads the values and TTL of the name, ignoring other names and types', () => {
    const msg = answer('NOERROR', [
      { name: 'app.example.test', type: 'A', ttl: 30, data: '192.0.2.10' },
      { name: 'App.Example.Test', type: 'A', ttl: 30, data: '192.0.2.11' },
      { name: 'other.example.test', type: 'A', ttl: 30, data: '192.0.2.99' },
      { name: 'app.example.test', type: 'TXT', ttl: 30, data: 'x' },
    ]);
    assert.equal(answerError(msg, null, ctx), null);
    assert.deepEqual(readAnswer(msg, ctx), { values: ['192.0.2.10', '192.0.2.11'], ttl: 30 });
  });

  it('follows name compression (dns-packet does not compress, BIND does)', () => {
    const msg = parseMessage(Buffer.from('0001840000010001000000000361707007657861' + '6d706c6504746573740000010001c00c000100010000001e0004c000020a', 'hex'));
    assert.deepEqual(readAnswer(msg, ctx), { values: ['192.0.2.10'], ttl: 30 });
  });

  it('spells AAAA values the canonical way', () => {
    const msg = answer('NOERROR', [{ name: 'app.example.test', type: 'AAAA', ttl: 60, data: '2001:0db8:0:0:0:0:0:0010' }]);
    assert.deepEqual(readAnswer(msg, { ...ctx, type: 'AAAA' }), { values: ['2001:db8::10'], ttl: 60 });
  });

  it('NXDOMAIN and NODATA are "no record"', () => {
    const nx = answer('NXDOMAIN', []);
    assert.equal(answerError(nx, null, ctx), null);
    assert.equal(readAnswer(nx, ctx), null);
    assert.equal(readAnswer(answer('NOERROR', []), ctx), null);
  });

  it('a CNAME at the name is reported with its target, not as "no record"', () => {
    const msg = answer('NOERROR', [
      { name: 'app.example.test', type: 'CNAME', ttl: 60, data: 'Elsewhere.example.test' },
      { name: 'elsewhere.example.test', type: 'A', ttl: 60, data: '192.0.2.1' },
    ]);
    assert.deepEqual(readAnswer(msg, ctx), { values: [], cname: 'elsewhere.example.test' });
  });

  it('an answer without the AA flag is refused: the server is not the primary', () => {
    const err = answerError(answer('NOERROR', [], 0), null, ctx);
    assert.equal(err?.kind, 'fatal');
    assert.match(err!.message, /not authoritative/);
  });

  it('a successful answer to a signed request must be signed', () => {
    assert.equal(answerError(answer('NOERROR', []), { status: 'unsigned' }, { ...ctx, keyName: 'k' })?.kind, 'fatal');
    assert.equal(answerError(answer('NOERROR', []), { status: 'verified' }, { ...ctx, keyName: 'k' }), null);
    assert.equal(answerError(answer('NOERROR', []), { status: 'invalid', reason: 'the MAC does not match' }, { ...ctx, keyName: 'k' })?.kind, 'fatal');
  });

  it('throws WireError on truncated or looping messages', () => {
    assert.throws(() => parseMessage(Buffer.alloc(5)), WireError);
    const good = dnsPacket.encode({ type: 'response', id: 1, questions: [{ name: 'a.example.test', type: 'A' }] });
    assert.throws(() => parseMessage(good.subarray(0, good.length - 3)), WireError);
    const loop = Buffer.from('000180000001000000000000c00c00010001', 'hex');
    assert.throws(() => parseMessage(loop), WireError);
  });
});

describe('rcode → error kind', () => {
  const upd: AnswerContext = { op: 'update', server: '127.0.0.1:53', zone: 'example.test', name: 'app.example.test', type: 'A', keyName: 'dnsfail-key' };
  const withRcode = (rcode: number) => {
    const b = encodeUpdate({ ...base, previous: null, values: [] });
    b.writeUInt16BE(0x8000 | (OPCODE.UPDATE << 11) | rcode, 2);
    return parseMessage(b);
  };
  const cases: [keyof typeof RCODE, string][] = [
    ['REFUSED', 'auth'],
    ['NXRRSET', 'conflict'],
    ['YXRRSET', 'conflict'],
    ['SERVFAIL', 'transient'],
    ['NOTZONE', 'fatal'],
    ['FORMERR', 'fatal'],
    ['NOTAUTH', 'auth'],
    ['NOTIMP', 'fatal'],
  ];
  for (const [rcode, kind] of cases) {
    it(`${rcode} → ${kind}`, () => {
      const err = answerError(withRcode(RCODE[rcode]), { status: 'verified' }, upd);
      assert.ok(err instanceof ProviderError);
      assert.equal(err.kind, kind);
      assert.equal(err.code, rcode);
      assert.ok(err.message.includes(rcode));
    });
  }

  it('the check update (checkWrite): a failed prerequisite proves the key may update; a refusal is an auth error', () => {
    const check: AnswerContext = { ...upd, op: 'check' };
    for (const rcode of ['NXDOMAIN', 'YXDOMAIN', 'NXRRSET', 'YXRRSET', 'NOERROR'] as const) {
      assert.equal(answerError(withRcode(RCODE[rcode]), { status: 'verified' }, check), null, rcode);
    }
    for (const rcode of ['REFUSED', 'NOTAUTH'] as const) assert.equal(answerError(withRcode(RCODE[rcode]), { status: 'verified' }, check)?.kind, 'auth', rcode);
    assert.equal(answerError(withRcode(RCODE.NXDOMAIN), { status: 'unsigned' }, check)?.kind, 'fatal', 'an unsigned answer to a signed check proves nothing');
    const badKey = answerError(withRcode(RCODE.NOTAUTH), { status: 'tsig-error', error: 17, errorName: 'BADKEY' }, check)!;
    assert.equal(badKey.kind, 'auth');
  });

  it('BADKEY to an update: the key may be known but not allowed to update the name (Knot acl), not only "unknown"', () => {
    const err = answerError(withRcode(RCODE.NOTAUTH), { status: 'tsig-error', error: 17, errorName: 'BADKEY' }, upd)!;
    assert.match(err.message, /BADKEY for key dnsfail-key \(the server may know the key but not allow it to update app\.example\.test: give the key an acl rule with action update in zone example\.test/);
    assert.doesNotMatch(err.message, /does not know this key/);
    const read = answerError(withRcode(RCODE.NOTAUTH), { status: 'tsig-error', error: 17, errorName: 'BADKEY' }, { ...upd, op: 'query' })!;
    assert.match(read.message, /does not know this key name and algorithm, or \(Knot\) the key is in no acl of zone example\.test/);
  });

  it('REFUSED asks whether the TSIG key is allowed for the zone, or says to configure one', () => {
    assert.match(answerError(withRcode(RCODE.REFUSED), { status: 'verified' }, upd)!.message, /is the TSIG key dnsfail-key allowed to update zone example\.test\?/);
    const { keyName: _, ...unsigned } = upd;
    assert.match(answerError(withRcode(RCODE.REFUSED), null, unsigned)!.message, /unsigned .*configure a TSIG key/);
  });

  it('NOTAUTH with a TSIG error is an auth error naming it', () => {
    for (const [error, name] of [[16, 'BADSIG'], [17, 'BADKEY'], [18, 'BADTIME']] as const) {
      const err = answerError(withRcode(RCODE.NOTAUTH), { status: 'tsig-error', error, errorName: name }, upd);
      assert.equal(err?.kind, 'auth');
      assert.match(err!.message, new RegExp(`${name} for key dnsfail-key`));
    }
  });

  it('NOTAUTH without a TSIG error: auth when the request was signed (PowerDNS, bad key), fatal "not authoritative" when not', () => {
    const signed = answerError(withRcode(RCODE.NOTAUTH), { status: 'unsigned' }, upd);
    assert.equal(signed?.kind, 'auth');
    assert.match(signed!.message, /check the TSIG key dnsfail-key/);
    const { keyName: _, ...unsignedCtx } = upd;
    const unsigned = answerError(withRcode(RCODE.NOTAUTH), null, unsignedCtx);
    assert.equal(unsigned?.kind, 'fatal');
    assert.match(unsigned!.message, /not authoritative for zone example\.test/);
  });

  it('an unsigned failure answer to a signed request is still reported, and says it was unsigned', () => {
    const err = answerError(withRcode(RCODE.SERVFAIL), { status: 'unsigned' }, upd);
    assert.equal(err?.kind, 'transient');
    assert.match(err!.message, /SERVFAIL, unsigned answer/);
  });

  it('NOERROR to an update is success', () => {
    assert.equal(answerError(withRcode(RCODE.NOERROR), { status: 'verified' }, upd), null);
  });
});
