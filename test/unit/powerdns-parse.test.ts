import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import { serverBaseUrl } from '../../providers/powerdns/api.js';
import { powerdnsConfigSchema } from '../../providers/powerdns/index.js';
import { errorMessage, findRrset, longestZoneFor, parseZoneList, wireName } from '../../providers/powerdns/parse.js';

// Shaped like PowerDNS 4.7's GET /zones/example.test. answer.
const zoneBody = {
  id: 'example.test.',
  name: 'example.test.',
  kind: 'Native',
  serial: 2024031501,
  rrsets: [
    { name: 'example.test.', type: 'SOA', ttl: 3600, records: [{ content: 'ns1.example.test. hostmaster.example.test. 1 10800 3600 604800 60', disabled: false }], comments: [] },
    { name: 'app.example.test.', type: 'A', ttl: 30, records: [{ content: '192.0.2.10', disabled: false }, { content: '192.0.2.11', disabled: true }, { content: '192.0.2.12', disabled: false }], comments: [] },
    { name: 'app.example.test.', type: 'TXT', ttl: 60, records: [{ content: '"hello"', disabled: false }], comments: [] },
    { name: 'App6.Example.Test.', type: 'AAAA', ttl: 60, records: [{ content: '2001:DB8:0:0::10', disabled: false }], comments: [] },
    { name: 'off.example.test.', type: 'A', ttl: 60, records: [{ content: '192.0.2.99', disabled: true }], comments: [] },
  ],
};

describe('findRrset', () => {
  it('returns the enabled values and the TTL of exactly that name and type', () => {
    assert.deepEqual(findRrset(zoneBody, 'app.example.test', 'A'), { values: ['192.0.2.10', '192.0.2.12'], ttl: 30 });
  });

  it('matches names case-insensitively and canonicalises IPv6 spelling', () => {
    assert.deepEqual(findRrset(zoneBody, 'app6.example.test', 'AAAA'), { values: ['2001:db8::10'], ttl: 60 });
  });

  it('is null for a missing rrset, another type at the name, or an rrset whose records are all disabled', () => {
    assert.equal(findRrset(zoneBody, 'nope.example.test', 'A'), null);
    assert.equal(findRrset(zoneBody, 'app.example.test', 'AAAA'), null);
    assert.equal(findRrset(zoneBody, 'off.example.test', 'A'), null);
  });

  it('a CNAME at the name is reported with its target, not as a missing record', () => {
    const body = { rrsets: [...zoneBody.rrsets, { name: 'www.example.test.', type: 'CNAME', ttl: 60, records: [{ content: 'App.Example.Net.', disabled: false }], comments: [] }] };
    assert.deepEqual(findRrset(body, 'www.example.test', 'A'), { values: [], cname: 'app.example.net' });
    assert.deepEqual(findRrset(body, 'WWW.example.test', 'AAAA'), { values: [], cname: 'app.example.net' });
  });

  it('a body that is not a zone is a transient error, not "missing"', () => {
    for (const body of [{}, null, 'Not Found', { rrsets: [{ type: 'A' }] }, { rrsets: [{ name: 'app.example.test.', type: 'A', records: [{}] }] }]) {
      assert.throws(
        () => findRrset(body, 'app.example.test', 'A'),
        (e: unknown) => e instanceof ProviderError && e.kind === 'transient',
        JSON.stringify(body),
      );
    }
  });
});

describe('parseZoneList / longestZoneFor', () => {
  const zones = parseZoneList([
    { id: 'example.test.', name: 'example.test.', kind: 'Native' },
    { id: 'sub.example.test.', name: 'Sub.Example.Test.', kind: 'Native' },
    { id: 'other.test.', name: 'other.test.', kind: 'Master' },
  ]);

  it('keeps the URL id and a bare lower-case name', () => {
    assert.deepEqual(zones[1], { id: 'sub.example.test.', name: 'sub.example.test' });
  });

  it('picks the most specific zone that contains the name', () => {
    assert.equal(longestZoneFor('a.b.sub.example.test', zones)?.name, 'sub.example.test');
    assert.equal(longestZoneFor('sub.example.test', zones)?.name, 'sub.example.test');
    assert.equal(longestZoneFor('app.example.test', zones)?.name, 'example.test');
  });

  it('does not take a mere string suffix for a zone (xother.test is not in other.test)', () => {
    assert.equal(longestZoneFor('xother.test', zones), undefined);
    assert.equal(longestZoneFor('app.example.org', zones), undefined);
  });

  it('rejects a body that is not a zone list', () => {
    assert.throws(() => parseZoneList({ error: 'x' }), ProviderError);
    assert.throws(() => parseZoneList([{ id: 'x.' }]), ProviderError);
  });
});

describe('wire details', () => {
  it('names go on the wire with one trailing dot', () => {
    assert.equal(wireName('app.example.test'), 'app.example.test.');
    assert.equal(wireName('app.example.test.'), 'app.example.test.');
  });

  it("reads PowerDNS's {\"error\": …} envelope, and nothing else", () => {
    assert.equal(errorMessage('{"error": "RRset other.test. IN A: Name is out of zone"}'), 'RRset other.test. IN A: Name is out of zone');
    assert.equal(errorMessage('Unauthorized'), undefined);
    assert.equal(errorMessage('{"result": 1}'), undefined);
  });

  it('appends /api/v1/servers/<id> to the base URL, also when /api/v1 is already there', () => {
    assert.equal(serverBaseUrl('http://127.0.0.1:8081', 'localhost'), 'http://127.0.0.1:8081/api/v1/servers/localhost');
    assert.equal(serverBaseUrl('http://127.0.0.1:8081/', 'localhost'), 'http://127.0.0.1:8081/api/v1/servers/localhost');
    assert.equal(serverBaseUrl('https://dns.example.test/pdns/api/v1/', 'a b'), 'https://dns.example.test/pdns/api/v1/servers/a%20b');
  });
});

describe('powerdns config schema', () => {
  const ok = { type: 'powerdns', url: 'http://127.0.0.1:8081', apiKey: 'k' };
  const issues = (c: unknown) => {
    const r = powerdnsConfigSchema.safeParse(c);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts the minimal config, endpoint as an alias of url, and apiKeyFile', () => {
    assert.deepEqual(issues(ok), []);
    assert.deepEqual(issues({ type: 'powerdns', endpoint: 'http://127.0.0.1:8081', apiKeyFile: '/run/secrets/pdns' }), []);
    assert.deepEqual(issues({ ...ok, url: 'https://dns.example.test', serverId: 'localhost', zone: 'example.test' }), []);
  });

  it('requires url and a key', () => {
    assert.match(issues({ type: 'powerdns', apiKey: 'k' }).join('\n'), /^url: url is required/m);
    assert.match(issues({ type: 'powerdns', url: 'http://127.0.0.1:8081' }).join('\n'), /^apiKey: apiKey \(or apiKeyFile\) is required/m);
  });

  it('refuses plain http off loopback unless allowInsecureHttp, and unknown keys', () => {
    assert.match(issues({ ...ok, url: 'http://192.0.2.1:8081' }).join('\n'), /^url: .*not https/m);
    assert.deepEqual(issues({ ...ok, url: 'http://192.0.2.1:8081', allowInsecureHttp: true }), []);
    assert.equal(issues({ ...ok, apikey: 'k' }).length, 1);
  });

  it('refuses url and endpoint that disagree', () => {
    assert.match(issues({ ...ok, endpoint: 'http://127.0.0.2:8081' }).join('\n'), /^endpoint: /m);
  });
});
