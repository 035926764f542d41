import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import { ProviderError } from '../../providers/kit/errors.js';
import { withRetry } from '../../providers/kit/retry.js';
import rfc2136Provider, { createRfc2136Provider } from '../../providers/rfc2136/index.js';
import { createExchange, tcpExchange } from '../../providers/rfc2136/transport.js';
import { parseServer } from '../../providers/rfc2136/parse.js';
import { CLASS, encodeCheckUpdate, encodeName, encodeQuery, encodeUpdate, OPCODE, parseMessage, RCODE, TYPE, u16, valuesIn, WireError, type RawRecord } from '../../providers/rfc2136/wire.js';

// nsupdate's unsigned part of: prereq nxrrset app.example.test A / update delete app.example.test A /
// update add app.example.test 60 A 192.0.2.10 (zone example.test), captured on loopback.
const NSUPDATE_UPDATE = Buffer.from(
  'ae7828000001000100020000076578616d706c650474657374000006000103617070c00c000100fe000000000000c01e0001' +
    '00ff000000000000c01e000100010000003c0004c000020a',
  'hex',
);

const plain = (rr: RawRecord) => ({ name: rr.name, type: rr.type, klass: rr.klass, ttl: rr.ttl, rdata: rr.rdata.toString('hex') });
const base = { id: 0x1234, zone: 'example.test', name: 'app.example.test', type: 'A' as const, ttl: 60 };

describe('RFC 2136 UPDATE encoding', () => {
  it('says the same as nsupdate for "create if absent", plus a no-CNAME prerequisite', () => {
    const ours = parseMessage(encodeUpdate({ ...base, previous: null, values: ['192.0.2.10'] }));
    const theirs = parseMessage(NSUPDATE_UPDATE);
    assert.equal(ours.opcode, OPCODE.UPDATE);
    assert.equal(ours.isResponse, false);
    assert.deepEqual(ours.questions, theirs.questions);
    assert.deepEqual(ours.questions, [{ name: 'example.test', type: TYPE.SOA, klass: CLASS.IN }]);
    const [cname, ...prereqs] = ours.answers;
    assert.deepEqual(plain(cname!), { name: 'app.example.test', type: TYPE.CNAME, klass: CLASS.NONE, ttl: 0, rdata: '' });
    assert.deepEqual(prereqs.map(plain), theirs.answers.map(plain));
    assert.deepEqual(ours.authorities.map(plain), theirs.authorities.map(plain));
    assert.equal(ours.additionals.length, 0);
  });

  it('makes the old values "rrset exists (value dependent)" prerequisites: class IN, TTL 0', () => {
    const msg = parseMessage(encodeUpdate({ ...base, previous: ['192.0.2.10', '192.0.2.11'], values: ['192.0.2.20'] }));
    assert.deepEqual(msg.answers.slice(1).map(plain), [
      { name: 'app.example.test', type: TYPE.A, klass: CLASS.IN, ttl: 0, rdata: 'c000020a' },
      { name: 'app.example.test', type: TYPE.A, klass: CLASS.IN, ttl: 0, rdata: 'c000020b' },
    ]);
  });

  it('deletes the rrset (class ANY, no data) before adding every new value with the TTL', () => {
    const msg = parseMessage(encodeUpdate({ ...base, type: 'AAAA', previous: ['2001:db8::1'], values: ['2001:db8::10', '2001:db8::11'], ttl: 30 }));
    assert.deepEqual(msg.authorities.map(plain), [
      { name: 'app.example.test', type: TYPE.AAAA, klass: CLASS.ANY, ttl: 0, rdata: '' },
      { name: 'app.example.test', type: TYPE.AAAA, klass: CLASS.IN, ttl: 30, rdata: '20010db8000000000000000000000010' },
      { name: 'app.example.test', type: TYPE.AAAA, klass: CLASS.IN, ttl: 30, rdata: '20010db8000000000000000000000011' },
    ]);
    assert.equal(msg.answers.length, 2);
  });

  it('keeps the ID it was given', () => {
    assert.equal(encodeUpdate({ ...base, previous: null, values: ['192.0.2.1'] }).readUInt16BE(0), 0x1234);
  });

  it('refuses names that do not fit DNS', () => {
    assert.throws(() => encodeName(`${'a'.repeat(64)}.example.test`), WireError);
    assert.throws(() => encodeName('a..example.test'), WireError);
    assert.deepEqual(encodeName('Ab.C.'), Buffer.from([2, 0x61, 0x62, 1, 0x63, 0]));
  });

  it('encodes the check update: one "name is in use" prerequisite for the probe name, no update records', () => {
    const m = parseMessage(encodeCheckUpdate(9, 'example.test', 'dnsfail-check-1.example.test'));
    assert.equal(m.opcode, OPCODE.UPDATE);
    assert.deepEqual(m.questions, [{ name: 'example.test', type: TYPE.SOA, klass: CLASS.IN }]);
    assert.deepEqual(m.answers.map(plain), [{ name: 'dnsfail-check-1.example.test', type: 255, klass: CLASS.ANY, ttl: 0, rdata: '' }]);
    assert.deepEqual([m.authorities.length, m.additionals.length], [0, 0], 'nothing to update');
  });

  it('encodes a plain non-recursive query that dns-packet reads back', () => {
    const q = dnsPacket.decode(encodeQuery(7, 'app.example.test', 'AAAA'));
    assert.equal(q.id, 7);
    assert.equal(q.flag_rd, false);
    assert.deepEqual(q.questions, [{ name: 'app.example.test', type: 'AAAA', class: 'IN' }]);
  });
});

describe('server addresses', () => {
  it('accepts IP literals with optional ports', () => {
    assert.deepEqual(parseServer('127.0.0.1'), { host: '127.0.0.1', port: 53, family: 4 });
    assert.deepEqual(parseServer('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353, family: 4 });
    assert.deepEqual(parseServer('::1'), { host: '::1', port: 53, family: 6 });
    assert.deepEqual(parseServer('[2001:DB8:0::1]:5353'), { host: '2001:db8::1', port: 5353, family: 6 });
    assert.deepEqual(parseServer('[::1]'), { host: '::1', port: 53, family: 6 });
  });

  it('refuses names, bad ports and unbracketed IPv6 with a port', () => {
    for (const bad of ['ns1.example.com', 'localhost:53', '127.0.0.1:0', '127.0.0.1:65536', '127.0.0.1:', '[127.0.0.1]:53', '2001:db8::1:53:x', '', '1.2.3']) {
      assert.equal(parseServer(bad), null, bad);
    }
  });
});

/** A scripted DNS server on 127.0.0.1 (UDP and TCP on one port): answer(message, protocol) → reply, or null to stay silent. */
/** A UDP socket and a TCP server on the same free loopback port (the UDP port's TCP twin may be taken: then another port). */
async function udpAndTcpOnOnePort(tcp: Server): Promise<{ udp: UdpSocket; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const udp = createSocket('udp4');
    await new Promise<void>((done) => udp.bind(0, '127.0.0.1', done));
    const port = udp.address().port;
    const listened = await new Promise<Error | null>((done) => {
      tcp.once('error', done);
      tcp.listen(port, '127.0.0.1', () => {
        tcp.off('error', done);
        done(null);
      });
    });
    if (!listened) return { udp, port };
    udp.close();
    if ((listened as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 20) throw listened;
  }
}

async function fakeDns(answer: (msg: Buffer, protocol: 'udp' | 'tcp') => Buffer | null) {
  const seen: ('udp' | 'tcp')[] = [];
  const sockets = new Set<Socket>();
  const tcp = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('data', (chunk) => {
      seen.push('tcp');
      const reply = answer(chunk.subarray(2), 'tcp');
      if (reply) s.write(Buffer.concat([u16(reply.length), reply]));
    });
  });
  const { udp, port } = await udpAndTcpOnOnePort(tcp);
  udp.on('message', (msg, from) => {
    seen.push('udp');
    const reply = answer(msg, 'udp');
    if (reply) udp.send(reply, from.port, from.address);
  });
  return {
    port,
    seen,
    close: async () => {
      udp.close();
      for (const s of sockets) s.destroy();
      await new Promise((done) => tcp.close(done));
    },
  };
}

/** A response to `query` with these flags, rcode and A answers (the question is copied). */
function reply(query: Buffer, opts: { rcode?: number; tc?: boolean; id?: number; answers?: string[] } = {}): Buffer {
  const q = parseMessage(query);
  const flags = 0x8000 | (q.opcode << 11) | 0x0400 | (opts.tc ? 0x0200 : 0) | (opts.rcode ?? 0);
  return dnsPacket.encode({
    type: 'response',
    id: opts.id ?? q.id,
    flags,
    questions: q.questions.map((x) => ({ name: x.name, type: x.type === TYPE.AAAA ? 'AAAA' : 'A', class: 'IN' })),
    answers: (opts.answers ?? []).map((data) => ({ name: q.questions[0]!.name, type: 'A', ttl: 60, data })),
  });
}

describe('transport: UDP, TCP fallback, timeouts (against a scripted server)', () => {
  const server = (port: number) => parseServer(`127.0.0.1:${port}`)!;
  const providerAt = (port: number, exchange = createExchange(server(port), 300)) =>
    createRfc2136Provider(rfc2136Provider.configSchema.parse({ type: 'rfc2136', server: `127.0.0.1:${port}`, zone: 'example.test', timeout: '300ms' }), { userAgent: 'dnsfail-test', baseDir: '/' }, { exchange });
  const A = { name: 'app.example.test', type: 'A' } as const;

  it('a truncated UDP answer is asked again over TCP, and the TCP answer is used', async (t) => {
    const dns = await fakeDns((m, proto) => (proto === 'udp' ? reply(m, { tc: true }) : reply(m, { answers: ['192.0.2.7'] })));
    t.after(() => dns.close());
    assert.deepEqual(await providerAt(dns.port).read!(A), { values: ['192.0.2.7'], ttl: 60 });
    assert.deepEqual(dns.seen, ['udp', 'tcp']);
  });

  it('a message over 512 bytes goes straight to TCP', async (t) => {
    const dns = await fakeDns((m) => reply(m));
    t.after(() => dns.close());
    const values = Array.from({ length: 40 }, (_, i) => `198.51.100.${i + 1}`);
    await providerAt(dns.port).write(A, { values, ttl: 60, previous: null });
    assert.deepEqual(dns.seen, ['tcp']);
  });

  it('answers with another ID are ignored (then the attempt times out as transient)', async (t) => {
    const dns = await fakeDns((m) => reply(m, { id: (m.readUInt16BE(0) + 1) & 0xffff, answers: ['192.0.2.66'] }));
    t.after(() => dns.close());
    const t0 = performance.now();
    await assert.rejects(providerAt(dns.port).read!(A), (e: unknown) => e instanceof ProviderError && e.kind === 'transient' && /within 300 ms/.test(e.message));
    assert.ok(performance.now() - t0 >= 280);
  });

  it('silence is a transient error after the timeout, and the engine retries it to success', async (t) => {
    let drops = 1;
    const dns = await fakeDns((m) => (drops-- > 0 ? null : reply(m)));
    t.after(() => dns.close());
    await withRetry(() => providerAt(dns.port).write(A, { values: ['192.0.2.1'], ttl: 60, previous: null }), { minDelayMs: 10, maxDelayMs: 20 });
    assert.deepEqual(dns.seen, ['udp', 'udp']);
  });

  it('SERVFAIL is transient and retried; persistent SERVFAIL gives up with a transient error', async (t) => {
    let fails = 1;
    const dns = await fakeDns((m) => reply(m, { rcode: fails-- > 0 ? RCODE.SERVFAIL : RCODE.NOERROR }));
    t.after(() => dns.close());
    const p = providerAt(dns.port);
    await withRetry(() => p.write(A, { values: ['192.0.2.1'], ttl: 60, previous: null }), { minDelayMs: 10, maxDelayMs: 20 });
    assert.equal(dns.seen.length, 2);
    fails = 100;
    await assert.rejects(
      withRetry(() => p.write(A, { values: ['192.0.2.1'], ttl: 60, previous: null }), { minDelayMs: 10, maxDelayMs: 20, retries: 2 }),
      (e: unknown) => e instanceof ProviderError && e.kind === 'transient' && /SERVFAIL/.test(e.message),
    );
    assert.equal(dns.seen.length, 2 + 3);
  });

  it('REFUSED is not retried', async (t) => {
    const dns = await fakeDns((m) => reply(m, { rcode: RCODE.REFUSED }));
    t.after(() => dns.close());
    await assert.rejects(
      withRetry(() => providerAt(dns.port).write(A, { values: ['192.0.2.1'], ttl: 60, previous: null }), { minDelayMs: 10, maxDelayMs: 20 }),
      (e: unknown) => e instanceof ProviderError && e.kind === 'auth',
    );
    assert.equal(dns.seen.length, 1);
  });

  it('a signed request with an unsigned NOERROR answer is not trusted', async (t) => {
    const dns = await fakeDns((m) => reply(m));
    t.after(() => dns.close());
    const config = rfc2136Provider.configSchema.parse({ type: 'rfc2136', server: `127.0.0.1:${dns.port}`, zone: 'example.test', tsig: { name: 'k', secret: 'c2VjcmV0' } });
    await assert.rejects(createRfc2136Provider(config, { userAgent: 'dnsfail-test', baseDir: '/' }).write(A, { values: ['192.0.2.1'], ttl: 60, previous: null }), (e: unknown) => e instanceof ProviderError && /not signed/.test(e.message));
  });

  it('nothing listening: a transient error', async () => {
    const probe = createSocket('udp4');
    await new Promise<void>((done) => probe.bind(0, '127.0.0.1', done));
    const port = probe.address().port;
    probe.close();
    await assert.rejects(providerAt(port).read!(A), (e: unknown) => e instanceof ProviderError && e.kind === 'transient');
    await assert.rejects(tcpExchange(server(port), encodeQuery(1, 'a.example.test', 'A'), 300), (e: unknown) => e instanceof ProviderError && /ECONNREFUSED/.test(e.message));
  });
});

describe('rfc2136 config', () => {
  const parse = (o: object) => rfc2136Provider.configSchema.safeParse({ type: 'rfc2136', server: '192.0.2.53', zone: 'example.com', ...o });

  it('optional keys stay optional in the schema (defaults are applied by the provider)', () => {
    const r = parse({ tsig: { name: 'dnsfail-key', secret: 'c2VjcmV0' } });
    assert.ok(r.success);
    assert.equal(r.data.timeout, undefined);
    assert.equal(r.data.tsig?.algorithm, undefined);
  });

  it('refuses host names, unknown keys, bad algorithms, bad base64 and a tsig block without a secret', () => {
    assert.equal(parse({ server: 'ns1.example.com' }).success, false);
    assert.equal(parse({ port: 53 }).success, false);
    assert.equal(parse({ tsig: { name: 'k', secret: 'c2VjcmV0', algorithm: 'hmac-md5' } }).success, false);
    assert.equal(parse({ tsig: { name: 'k', secret: 'not base64!' } }).success, false);
    assert.equal(parse({ tsig: { name: 'k' } }).success, false);
    assert.equal(parse({ timeout: '3' }).success, false);
    assert.equal(parse({ timeout: '0ms' }).success, false);
    assert.equal(parse({}).success, true, 'tsig is optional');
  });

  it('declares its secret for redaction and the <key>File form', () => {
    assert.deepEqual(rfc2136Provider.secretKeys, ['tsig.secret']);
    assert.equal(parse({ tsig: { name: 'k', secretFile: '/etc/dnsfail/tsig.secret' } }).success, true);
  });
});

describe('RFC 2136: TXT (the votes of several checkers)', () => {
  it('an update writes the text as one character-string, with the old text as its prerequisite', () => {
    const msg = parseMessage(encodeUpdate({ id: 1, zone: 'example.test', name: 'home._dnsfail.app.example.test', type: 'TXT', previous: ['v=old "x"'], values: ['v=new \\ y'], ttl: 60 }));
    const cs = (text: string) => Buffer.concat([Buffer.from([text.length]), Buffer.from(text)]).toString('hex');
    const txt = (rrs: readonly RawRecord[]) => rrs.filter((r) => r.type === TYPE.TXT && r.klass === CLASS.IN).map((r) => ({ ttl: r.ttl, rdata: r.rdata.toString('hex') }));
    assert.deepEqual(txt(msg.answers), [{ ttl: 0, rdata: cs('v=old "x"') }], 'prerequisite: the rrset as read');
    assert.deepEqual(txt(msg.authorities), [{ ttl: 60, rdata: cs('v=new \\ y') }]);
  });

  it('reads a TXT record of several character-strings as their concatenation, and refuses a torn one', () => {
    const answer = (data: Buffer[] | string[]) => parseMessage(dnsPacket.encode({ type: 'response', id: 1, flags: 0, answers: [{ name: 'v.example.test', type: 'TXT', class: 'IN', ttl: 30, data }] }));
    assert.deepEqual(valuesIn(answer(['v=dnsfail1 ', 'id=home']), 'v.example.test', 'TXT'), { values: ['v=dnsfail1 id=home'], ttl: 30 });
    const torn = dnsPacket.encode({ type: 'response', id: 1, flags: 0, answers: [{ name: 'v.example.test', type: 'TXT', class: 'IN', ttl: 30, data: ['abc'] }] });
    torn[torn.length - 4] = 9; // the character-string's length byte now claims more than the rdata holds
    assert.throws(() => valuesIn(parseMessage(torn), 'v.example.test', 'TXT'), WireError);
  });
});
