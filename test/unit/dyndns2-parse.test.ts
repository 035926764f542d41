import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { basicAuth, buildUpdateCall, classifyHttpAnswer } from '../../providers/dyndns2/api.js';
import { parseResolverAddress } from '../../providers/kit/dns-query.js';
import { dyndns2ConfigSchema } from '../../providers/dyndns2/index.js';
import { errorForAnswer, OUTAGE_BACKOFF_MS, parseAnswerLines } from '../../providers/dyndns2/parse.js';
import { PRESETS, GENERIC } from '../../providers/dyndns2/presets.js';
import { ProviderError } from '../../providers/kit/errors.js';

const where = 'dyndns2 GET /nic/update';
const one = (body: string, outageBackoffMs?: number) =>
  errorForAnswer(body, { hostnames: ['app.example.test'], where, ...(outageBackoffMs !== undefined ? { outageBackoffMs } : {}) });

describe('dyndns2 answers, one hostname', () => {
  const cases: { body: string; kind: ProviderError['kind'] | null; code?: string; retryAfterMs?: number }[] = [
    { body: 'good 192.0.2.10', kind: null },
    { body: 'good 198.51.100.7', kind: null }, // no address given to compare with (see the echo tests below)
    { body: 'good', kind: null },
    { body: 'nochg 192.0.2.10', kind: null },
    { body: 'nochg 192.0.2.10\r\n', kind: null },
    { body: 'badauth', kind: 'lockout', code: 'badauth' },
    { body: '!donator', kind: 'lockout', code: '!donator' },
    { body: 'notfqdn', kind: 'lockout', code: 'notfqdn' },
    { body: 'nohost', kind: 'lockout', code: 'nohost' },
    { body: '!yours', kind: 'lockout', code: '!yours' },
    { body: 'numhost', kind: 'lockout', code: 'numhost' },
    { body: 'abuse', kind: 'lockout', code: 'abuse' },
    { body: 'badagent', kind: 'lockout', code: 'badagent' },
    { body: 'badsys', kind: 'lockout', code: 'badsys' },
    { body: '911', kind: 'rate-limited', code: '911', retryAfterMs: 10 * 60_000 },
    { body: 'dnserr', kind: 'rate-limited', code: 'dnserr', retryAfterMs: 10 * 60_000 },
    { body: 'w30s', kind: 'rate-limited', code: 'w30s', retryAfterMs: 30_000 },
    { body: 'w5m', kind: 'rate-limited', code: 'w5m', retryAfterMs: 5 * 60_000 },
    { body: 'w2h', kind: 'rate-limited', code: 'w2h', retryAfterMs: 2 * 3_600_000 },
    { body: 'goodbye 192.0.2.10', kind: 'lockout', code: 'goodbye' }, // whole words only: an unknown code
    { body: 'nochgx', kind: 'lockout', code: 'nochgx' },
    { body: 'badauthx', kind: 'lockout', code: 'badauthx' },
    { body: 'w5d', kind: 'lockout', code: 'w5d' },
    { body: 'GOOD 192.0.2.10', kind: 'lockout', code: 'GOOD' },
    { body: '<html>maintenance</html>', kind: 'lockout', code: '<html>maintenance</html>' },
    { body: '', kind: 'fatal' },
    { body: '\n\n', kind: 'fatal' },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.body)} → ${c.kind ?? 'success'}${c.code ? ` (${c.code})` : ''}`, () => {
      const e = one(c.body);
      if (c.kind === null) return assert.equal(e, null);
      assert.ok(e instanceof ProviderError);
      assert.equal(e.kind, c.kind);
      assert.equal(e.code, c.code);
      assert.equal(e.retryAfterMs, c.retryAfterMs);
      if (c.code) assert.ok(e.message.includes(c.code), e.message);
      assert.ok(e.message.startsWith(where), e.message);
    });
  }

  it('No-IP asks 30 minutes after 911, but dnserr stays 10 minutes', () => {
    assert.equal(one('911', PRESETS.noip.outageBackoffMs)?.retryAfterMs, 30 * 60_000);
    assert.equal(one('dnserr', PRESETS.noip.outageBackoffMs)?.retryAfterMs, OUTAGE_BACKOFF_MS);
  });

  it('an unknown code is shown truncated and printable, never the whole body', () => {
    const e = one(`${'x'.repeat(100)}\u0007 rest of a long body with details`);
    assert.equal(e?.kind, 'lockout');
    assert.ok(!e!.message.includes('rest of a long body'), e!.message);
    assert.ok(e!.message.length < 200, e!.message);
  });
});

describe('dyndns2 answers, several hostnames', () => {
  const hosts = ['a.example.test', 'b.example.test'];
  const many = (body: string) => errorForAnswer(body, { hostnames: hosts, where });

  it('one line per hostname, all good or nochg → success', () => {
    assert.equal(many('good 192.0.2.1\nnochg 192.0.2.1'), null);
    assert.equal(many('good 192.0.2.1\r\ngood 192.0.2.1\r\n'), null);
  });
  it('an error on line 2 names the second hostname', () => {
    const e = many('good 192.0.2.1\nnohost');
    assert.equal(e?.kind, 'lockout');
    assert.equal(e?.code, 'nohost');
    assert.match(e!.message, /for b\.example\.test/);
  });
  it('a single account-level error applies to every hostname', () => {
    const e = many('badauth');
    assert.equal(e?.code, 'badauth');
    assert.doesNotMatch(e!.message, / for /);
  });
  it('success lines that do not match the hostname count are an error', () => {
    assert.equal(many('good 192.0.2.1')?.kind, 'fatal');
    assert.equal(many('good 192.0.2.1\ngood 192.0.2.1\ngood 192.0.2.1')?.kind, 'fatal');
  });
  it('parses lines into code and rest', () => {
    assert.deepEqual(parseAnswerLines(' good  192.0.2.1 \n\nnochg 2001:db8::1\n'), [
      { code: 'good', rest: '192.0.2.1' },
      { code: 'nochg', rest: '2001:db8::1' },
    ]);
  });
});

describe('dyndns2 HTTP statuses', () => {
  const classify = classifyHttpAnswer(where);
  it('401 is a badauth lockout', () => {
    const e = classify(401, 'whatever');
    assert.equal(e?.kind, 'lockout');
    assert.equal(e?.code, 'badauth');
  });
  it('a 4xx carrying a lockout code is that code', () => assert.equal(classify(403, 'badagent')?.code, 'badagent'));
  it('5xx, 429 and plain 4xx take the shared mapping', () => {
    assert.equal(classify(503, 'badauth'), undefined);
    assert.equal(classify(429, 'abuse'), undefined);
    assert.equal(classify(404, 'not found'), undefined);
  });
});

describe('dyndns2 presets build the request', () => {
  it('generic server: hostname, myip, the configured username', () => {
    assert.deepEqual(buildUpdateCall(GENERIC, 'alice', 'app.example.test', '192.0.2.10'), {
      hostname: 'app.example.test',
      username: 'alice',
      address: '192.0.2.10',
      searchParams: { hostname: 'app.example.test', myip: '192.0.2.10' },
    });
  });
  it('AAAA: the v6 goes in myip', () => {
    assert.equal(buildUpdateCall(PRESETS.noip, 'alice', 'app.example.test', '2001:db8::1').searchParams.myip, '2001:db8::1');
  });
  it('he: the username is the hostname', () => {
    assert.equal(buildUpdateCall(PRESETS.he, undefined, 'app.example.test', '192.0.2.10').username, 'app.example.test');
  });
  it('dynv6: username none', () => assert.equal(buildUpdateCall(PRESETS.dynv6, undefined, 'app.dynv6.net', '192.0.2.10').username, 'none'));
  it('duckdns: username nouser, and the label only', () => {
    const c = buildUpdateCall(PRESETS.duckdns, undefined, 'myhome.duckdns.org', '192.0.2.10');
    assert.equal(c.username, 'nouser');
    assert.equal(c.hostname, 'myhome');
    assert.deepEqual(c.searchParams, { hostname: 'myhome', myip: '192.0.2.10' });
    assert.equal(buildUpdateCall(PRESETS.duckdns, undefined, 'www.myhome.duckdns.org', '192.0.2.10').hostname, 'myhome');
    assert.throws(() => buildUpdateCall(PRESETS.duckdns, undefined, 'app.example.test', '192.0.2.10'), (e: unknown) => e instanceof ProviderError && e.kind === 'fatal');
  });
  it('ovh: system=dyndns', () => {
    assert.deepEqual(buildUpdateCall(PRESETS.ovh, 'example.test-dyn', 'app.example.test', '192.0.2.10').searchParams, {
      hostname: 'app.example.test',
      myip: '192.0.2.10',
      system: 'dyndns',
    });
  });
  it('every preset is https and has a host', () => {
    for (const [name, p] of Object.entries(PRESETS)) assert.match(p.baseUrl, /^https:\/\/[a-z0-9.-]+$/, name);
    assert.equal(PRESETS.noip.baseUrl, 'https://dynupdate.no-ip.com');
    assert.equal(PRESETS.dyn.baseUrl, 'https://members.dyndns.org');
  });
  it('Basic auth is base64 of user:password', () => {
    assert.equal(basicAuth('Aladdin', 'open sesame'), 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  });
});

describe('dyndns2 config', () => {
  const ok = (c: object) => dyndns2ConfigSchema.safeParse({ type: 'dyndns2', ...c });
  const messages = (c: object) => {
    const r = ok(c);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  it('accepts a preset with username and password', () => assert.ok(ok({ preset: 'noip', username: 'u', password: 'p' }).success));
  it('accepts a server URL', () => assert.ok(ok({ server: 'https://dyn.example.test', username: 'u', password: 'p' }).success));
  it('accepts presets that fix the username without one', () => {
    for (const preset of ['he', 'dynv6', 'duckdns']) assert.ok(ok({ preset, password: 'p' }).success, preset);
  });
  it('accepts a loopback endpoint over http, and a resolver', () =>
    assert.ok(ok({ preset: 'noip', endpoint: 'http://127.0.0.1:8080', username: 'u', password: 'p', resolver: '127.0.0.1:5300' }).success));
  it('refuses: no preset nor server', () => assert.match(messages({ username: 'u', password: 'p' }).join(), /preset: give preset/));
  it('refuses: preset and server', () => assert.match(messages({ preset: 'dyn', server: 'https://x.example', username: 'u', password: 'p' }).join(), /server: give either/));
  it('refuses: a username where the preset fixes it', () => assert.match(messages({ preset: 'duckdns', username: 'u', password: 'p' }).join(), /username: preset duckdns always uses/));
  it('refuses: no username for a generic server', () => assert.match(messages({ preset: 'noip', password: 'p' }).join(), /username is required/));
  it('refuses: no password', () => assert.match(messages({ preset: 'noip', username: 'u' }).join(), /password or passwordFile is required/));
  it('refuses: plain http to a non-loopback server', () => assert.match(messages({ server: 'http://dyn.example.test', username: 'u', password: 'p' }).join(), /not https/));
  it('accepts plain http with allowInsecureHttp', () => assert.ok(ok({ server: 'http://dyn.example.test', username: 'u', password: 'p', allowInsecureHttp: true }).success));
  it('refuses: /nic/update in the base URL', () => assert.match(messages({ server: 'https://dyn.example.test/nic/update', username: 'u', password: 'p' }).join(), /base URL/));
  it('refuses: an unknown preset and unknown keys', () => {
    assert.equal(ok({ preset: 'namecheap', username: 'u', password: 'p' }).success, false);
    assert.equal(ok({ preset: 'noip', username: 'u', password: 'p', hostname: 'x' }).success, false);
  });
  it('refuses: a resolver that is not an IP literal', () => assert.match(messages({ preset: 'noip', username: 'u', password: 'p', resolver: 'ns1.example.test' }).join(), /resolver/));

  it('resolver addresses', () => {
    assert.deepEqual(parseResolverAddress('127.0.0.1'), { host: '127.0.0.1' });
    assert.deepEqual(parseResolverAddress('127.0.0.1:5300'), { host: '127.0.0.1', port: 5300 });
    assert.deepEqual(parseResolverAddress('[::1]:53'), { host: '::1', port: 53 });
    assert.deepEqual(parseResolverAddress('::1'), { host: '::1' });
    assert.equal(parseResolverAddress('localhost:53'), null);
    assert.equal(parseResolverAddress('127.0.0.1:0'), null);
    assert.equal(parseResolverAddress('127.0.0.1:70000'), null);
  });
});

describe('dyndns2 answers that echo another address than the one sent', () => {
  const sent = (body: string, ip: string) => errorForAnswer(body, { hostnames: ['app.example.test'], where, sent: ip });
  it('Dyn\'s "request ignored" (good 127.0.0.1) and nochg with another address are failed writes, not lockouts', () => {
    for (const body of ['good 127.0.0.1', 'nochg 198.51.100.7']) {
      const e = sent(body, '192.0.2.10');
      assert.equal(e?.kind, 'fatal', body);
      assert.match(e!.message, /but 192\.0\.2\.10 was sent; the service did not take the update \(it holds (127\.0\.0\.1|198\.51\.100\.7)\)/);
    }
  });
  it('the same address (in another spelling) or no echoed address is success', () => {
    assert.equal(sent('good 192.0.2.10', '192.0.2.10'), null);
    assert.equal(sent('nochg 2001:db8::0:1', '2001:db8::1'), null);
    assert.equal(sent('good', '192.0.2.10'), null);
  });
});

describe('dyndns2 ChangeIP answers', () => {
  const changeip = (body: string) => errorForAnswer(body, { hostnames: ['app.example.test'], where, sent: '192.0.2.10', successLine: PRESETS.changeip.successLine! });
  it('200 Successful Update is success for the changeip preset only', () => {
    assert.equal(changeip('200 Successful Update'), null);
    assert.equal(changeip('200 Successful Update\r\n'), null);
    assert.equal(one('200 Successful Update')?.kind, 'lockout');
  });
});

describe('dyndns2 extra lines, HE interval, 5xx 911', () => {
  it('extra answer lines for one hostname: the first line is the answer', () => {
    assert.equal(one('good 192.0.2.10\ngood 192.0.2.10'), null);
    assert.equal(one('good\nnochg'), null);
    assert.equal(one('badauth\ngood')?.kind, 'lockout');
  });
  it('HE interval is a rate-limited cooldown, not a lockout', () => {
    const e = one('interval');
    assert.equal(e?.kind, 'rate-limited');
    assert.equal(e?.retryAfterMs, 10 * 60_000);
  });
  it('a 5xx whose body is 911 backs off like 911 (No-IP: 30 min)', () => {
    const e = classifyHttpAnswer(where, 30 * 60_000)(503, '911');
    assert.equal(e?.kind, 'rate-limited');
    assert.equal(e?.retryAfterMs, 30 * 60_000);
    assert.equal(classifyHttpAnswer(where)(503, 'service unavailable'), undefined);
  });
});

describe('dyndns2 inwx', () => {
  it('an AAAA update sends myipv6 (myip alone would set A and drop the AAAA); A still sends myip', () => {
    assert.deepEqual(buildUpdateCall(PRESETS.inwx, 'u', 'app.example.test', '2001:db8::1').searchParams, { hostname: 'app.example.test', myipv6: '2001:db8::1' });
    assert.deepEqual(buildUpdateCall(PRESETS.inwx, 'u', 'app.example.test', '192.0.2.1').searchParams, { hostname: 'app.example.test', myip: '192.0.2.1' });
  });
});
