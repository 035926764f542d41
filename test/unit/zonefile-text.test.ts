import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordType } from '../../src/core/types.js';
import { indexZone, newZoneText, parseZone, readRrset, replaceRrset, replaceRrsets, ZoneTextError, type RrsetChange, type ZoneRecord } from '../../providers/zonefile/zone-text.js';

const ORIGIN = 'example.test';
const zone = (...lines: string[]) => `${lines.join('\n')}\n`;
const HEAD = ['$ORIGIN example.test.', '$TTL 300', '@ IN SOA ns1 hostmaster ( 1 3600 600 86400 60 )', '  IN NS ns1'];

describe('readRrset', () => {
  const cases: { name: string; text: string; owner: string; type?: RecordType; want: { values: string[]; ttl?: number } | null }[] = [
    { name: 'relative owner', text: zone(...HEAD, 'app IN A 192.0.2.1'), owner: 'app.example.test', want: { values: ['192.0.2.1'], ttl: 300 } },
    { name: 'absolute owner', text: zone(...HEAD, 'app.example.test. 30 IN A 192.0.2.1'), owner: 'app.example.test', want: { values: ['192.0.2.1'], ttl: 30 } },
    { name: '@ is the origin', text: zone(...HEAD, '@ 20 A 192.0.2.9'), owner: 'example.test', want: { values: ['192.0.2.9'], ttl: 20 } },
    {
      name: 'blank owner inherits the previous owner',
      text: zone(...HEAD, 'app IN TXT "x"', '    IN A 192.0.2.1', '    IN A 192.0.2.2'),
      owner: 'app.example.test',
      want: { values: ['192.0.2.1', '192.0.2.2'], ttl: 300 },
    },
    {
      name: '$ORIGIN switches the base of relative names',
      text: zone(...HEAD, '$ORIGIN sub.example.test.', 'app IN A 192.0.2.5', '$ORIGIN example.test.', 'app IN A 192.0.2.6'),
      owner: 'app.sub.example.test',
      want: { values: ['192.0.2.5'], ttl: 300 },
    },
    {
      name: 'relative $ORIGIN is relative to the current origin',
      text: zone(...HEAD, '$ORIGIN sub', 'app IN A 192.0.2.5'),
      owner: 'app.sub.example.test',
      want: { values: ['192.0.2.5'], ttl: 300 },
    },
    { name: 'TTL and class in either order', text: zone(...HEAD, 'app A 192.0.2.1', 'app IN 1h A 192.0.2.2'), owner: 'app.example.test', want: { values: ['192.0.2.1', '192.0.2.2'], ttl: 300 } },
    { name: 'class before TTL', text: zone(...HEAD, 'app IN 1h A 192.0.2.2'), owner: 'app.example.test', want: { values: ['192.0.2.2'], ttl: 3600 } },
    { name: 'names compare case-insensitively', text: zone(...HEAD, 'APP.Example.TEST. 30 in a 192.0.2.1'), owner: 'App.example.test.', want: { values: ['192.0.2.1'], ttl: 30 } },
    { name: 'AAAA is canonicalised', text: zone(...HEAD, 'app IN AAAA 2001:DB8:0::1'), owner: 'app.example.test', type: 'AAAA', want: { values: ['2001:db8::1'], ttl: 300 } },
    { name: 'A does not read AAAA', text: zone(...HEAD, 'app IN AAAA 2001:db8::1'), owner: 'app.example.test', want: null },
    { name: 'other owner is not read', text: zone(...HEAD, 'app2 IN A 192.0.2.1', 'x.app IN A 192.0.2.2'), owner: 'app.example.test', want: null },
    {
      name: 'comments and quoted ; do not confuse it',
      text: zone(...HEAD, 'txt IN TXT "a ; b (" ; comment (', 'app IN A 192.0.2.1 ; primary ( not a paren'),
      owner: 'app.example.test',
      want: { values: ['192.0.2.1'], ttl: 300 },
    },
    { name: 'CRLF line endings', text: zone(...HEAD, 'app IN A 192.0.2.1').replaceAll('\n', '\r\n'), owner: 'app.example.test', want: { values: ['192.0.2.1'], ttl: 300 } },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(readRrset(c.text, ORIGIN, c.owner, c.type ?? 'A'), c.want));
  }
});

describe('parseZone', () => {
  it('joins a multi-line SOA in parentheses and records its line span', () => {
    const text = zone('$TTL 60', '@ IN SOA ns1 host (', '   2024010101 ; serial', '   3600 600 86400 60 )', 'app A 192.0.2.1');
    const records = parseZone(text, ORIGIN).filter((e): e is ZoneRecord => e.kind === 'record');
    const soa = records[0];
    assert.equal(soa?.type, 'SOA');
    assert.deepEqual([soa?.startLine, soa?.endLine], [2, 4]);
    assert.deepEqual(soa?.rdata.map((t) => t.text), ['ns1', 'host', '2024010101', '3600', '600', '86400', '60']);
    assert.equal(records[1]?.startLine, 5);
  });

  const rejects: { name: string; text: string; pattern: RegExp }[] = [
    { name: '$INCLUDE', text: zone('$ORIGIN example.test.', '$INCLUDE other.zone'), pattern: /line 2: \$INCLUDE is not supported/ },
    { name: '$GENERATE', text: zone('$GENERATE 1-10 host$ A 192.0.2.$'), pattern: /\$GENERATE is not supported/ },
    { name: 'an unclosed parenthesis', text: zone('@ IN SOA ns1 host ( 1 2 3 4 5'), pattern: /line 1: "\(" is never closed/ },
    { name: 'a stray ")"', text: zone('app A 192.0.2.1 )'), pattern: /line 1/ },
    { name: 'an unterminated quote', text: zone('app TXT "abc'), pattern: /unterminated quoted string/ },
    { name: 'a blank owner on the first record', text: zone('  IN A 192.0.2.1'), pattern: /no previous owner/ },
  ];
  for (const c of rejects) {
    it(`rejects ${c.name} with a line number and no file contents`, () => {
      assert.throws(() => parseZone(c.text, ORIGIN), (e: unknown) => {
        assert.ok(e instanceof ZoneTextError);
        assert.match(e.message, c.pattern);
        assert.doesNotMatch(e.message, /other\.zone|abc|192\.0\.2/);
        return true;
      });
    });
  }
});

describe('replaceRrset', () => {
  const cases: {
    name: string;
    before: string[];
    owner?: string;
    type?: RecordType;
    values: string[];
    ttl?: number;
    after: string[];
  }[] = [
    {
      name: 'replaces 1 value with 2 in place, keeping every other line byte for byte',
      before: [...HEAD, '; front end', 'www   IN  CNAME app', 'app  IN A 192.0.2.1   ; old', 'app IN TXT "v=1"', 'zzz IN A 192.0.2.99'],
      values: ['192.0.2.10', '192.0.2.11'],
      after: [
        ...HEAD,
        '; front end',
        'www   IN  CNAME app',
        'app.example.test. 30 IN A 192.0.2.10',
        'app.example.test. 30 IN A 192.0.2.11',
        'app IN TXT "v=1"',
        'zzz IN A 192.0.2.99',
      ],
    },
    {
      name: 'replaces 2 values with 1: the first old place gets the new record, the other goes',
      before: [...HEAD, 'app IN A 192.0.2.1', 'mid IN A 192.0.2.50', 'app IN A 192.0.2.2'],
      values: ['192.0.2.3'],
      after: [...HEAD, 'app.example.test. 30 IN A 192.0.2.3', 'mid IN A 192.0.2.50'],
    },
    {
      name: 'empty values remove the rrset',
      before: [...HEAD, 'app IN A 192.0.2.1', 'app IN A 192.0.2.2', 'other IN A 192.0.2.3'],
      values: [],
      after: [...HEAD, 'other IN A 192.0.2.3'],
    },
    {
      name: 'appends at the end when the name has no such rrset',
      before: [...HEAD, 'app IN AAAA 2001:db8::1'],
      values: ['192.0.2.1'],
      after: [...HEAD, 'app IN AAAA 2001:db8::1', 'app.example.test. 30 IN A 192.0.2.1'],
    },
    {
      name: 'leaves the same name under another type alone (AAAA)',
      before: [...HEAD, 'app IN A 192.0.2.1', 'app IN AAAA 2001:db8::1'],
      type: 'AAAA',
      values: ['2001:db8::2'],
      ttl: 60,
      after: [...HEAD, 'app IN A 192.0.2.1', 'app.example.test. 60 IN AAAA 2001:db8::2'],
    },
    {
      name: 'matches owners case-insensitively and across $ORIGIN',
      before: [...HEAD, '$ORIGIN test.', 'APP.EXAMPLE IN A 192.0.2.1', '$ORIGIN example.test.', 'x IN A 192.0.2.2'],
      owner: 'App.Example.Test',
      values: ['192.0.2.7'],
      after: [...HEAD, '$ORIGIN test.', 'app.example.test. 30 IN A 192.0.2.7', '$ORIGIN example.test.', 'x IN A 192.0.2.2'],
    },
    {
      name: 'writes the owner into a blank-owner record that inherited it from a removed line',
      before: [...HEAD, 'app IN A 192.0.2.1', '    IN TXT "keep"', '    IN MX 10 mail'],
      values: [],
      after: [...HEAD, 'app.example.test.    IN TXT "keep"', '    IN MX 10 mail'],
    },
    {
      name: 'needs no owner fix-up when the new record takes the removed one\'s place',
      before: [...HEAD, 'app IN A 192.0.2.1', '    IN TXT "keep"'],
      values: ['192.0.2.2'],
      after: [...HEAD, 'app.example.test. 30 IN A 192.0.2.2', '    IN TXT "keep"'],
    },
    {
      name: 'removes blank-owner A records of the name and fixes up what follows',
      before: [...HEAD, 'app IN TXT "t"', '    IN A 192.0.2.1', 'other IN A 192.0.2.9', 'app IN A 192.0.2.2', '    IN MX 10 mail'],
      values: ['192.0.2.3'],
      after: [...HEAD, 'app IN TXT "t"', 'app.example.test. 30 IN A 192.0.2.3', 'other IN A 192.0.2.9', 'app.example.test.    IN MX 10 mail'],
    },
    {
      name: 'leaves the file alone when removing a name that is not there',
      before: [...HEAD, '; nothing here'],
      values: [],
      after: [...HEAD, '; nothing here'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = replaceRrset(zone(...c.before), ORIGIN, c.owner ?? 'app.example.test', c.type ?? 'A', c.values, c.ttl ?? 30);
      assert.equal(out, zone(...c.after));
    });
  }

  it('round-trips: what it writes, readRrset reads back', () => {
    const out = replaceRrset(zone(...HEAD, 'app IN A 192.0.2.1'), ORIGIN, 'app.example.test', 'A', ['192.0.2.8', '192.0.2.9'], 45);
    assert.deepEqual(readRrset(out, ORIGIN, 'app.example.test', 'A'), { values: ['192.0.2.8', '192.0.2.9'], ttl: 45 });
  });

  it('appends after a last line that has no newline', () => {
    const out = replaceRrset('$TTL 60\n@ SOA a b 1 2 3 4 5', ORIGIN, 'app.example.test', 'A', ['192.0.2.1'], 30);
    assert.equal(out, '$TTL 60\n@ SOA a b 1 2 3 4 5\napp.example.test. 30 IN A 192.0.2.1\n');
  });

  it('keeps CRLF line endings', () => {
    const out = replaceRrset(zone(...HEAD, 'app IN A 192.0.2.1').replaceAll('\n', '\r\n'), ORIGIN, 'app.example.test', 'A', ['192.0.2.2'], 30);
    assert.equal(out, zone(...HEAD, 'app.example.test. 30 IN A 192.0.2.2').replaceAll('\n', '\r\n'));
  });

  it('refuses to add addresses next to a CNAME', () => {
    assert.throws(() => replaceRrset(zone(...HEAD, 'app IN CNAME other'), ORIGIN, 'app.example.test', 'A', ['192.0.2.1'], 30), /has a CNAME/);
  });

  it('rejects $INCLUDE rather than guess what the included file holds', () => {
    assert.throws(() => replaceRrset(zone(...HEAD, '$INCLUDE app.zone'), ORIGIN, 'app.example.test', 'A', ['192.0.2.1'], 30), ZoneTextError);
  });
});

describe('replaceRrsets', () => {
  const before = zone(
    ...HEAD,
    'a IN A 192.0.2.1',
    '  IN TXT "a"',
    'b IN A 192.0.2.2 ; b',
    'b IN AAAA 2001:db8::2',
    'c IN A 192.0.2.3',
    '  IN A 192.0.2.4',
    '  IN MX 10 mail',
    'd IN A 192.0.2.5',
  );
  const cases: { name: string; changes: RrsetChange[] }[] = [
    {
      name: 'replaces, removes and adds several rrsets',
      changes: [
        { name: 'c.example.test', type: 'A', values: ['198.51.100.3'], ttl: 30 },
        { name: 'new.example.test', type: 'A', values: ['198.51.100.9', '198.51.100.8'], ttl: 60 },
        { name: 'a.example.test', type: 'A', values: [], ttl: 30 },
        { name: 'b.example.test', type: 'AAAA', values: ['2001:db8::99'], ttl: 30 },
        { name: 'new.example.test', type: 'AAAA', values: ['2001:db8::9'], ttl: 60 },
      ],
    },
    {
      name: 'removes neighbours whose followers inherited their owner',
      changes: [
        { name: 'a.example.test', type: 'A', values: [], ttl: 30 },
        { name: 'c.example.test', type: 'A', values: [], ttl: 30 },
        { name: 'd.example.test', type: 'A', values: ['198.51.100.5'], ttl: 30 },
      ],
    },
  ];
  for (const c of cases) {
    it(`${c.name}: byte for byte what replaceRrset one change at a time writes`, () => {
      const oneByOne = c.changes.reduce((text, ch) => replaceRrset(text, ORIGIN, ch.name, ch.type, ch.values, ch.ttl), before);
      assert.equal(replaceRrsets(before, ORIGIN, c.changes), oneByOne);
    });
  }

  it('appends new rrsets in the order given, after a last line that has no newline', () => {
    const changes: RrsetChange[] = ['x', 'y', 'z'].map((n, i) => ({ name: `${n}.example.test`, type: 'A', values: [`192.0.2.${i + 1}`], ttl: 30 }));
    assert.equal(
      replaceRrsets('$TTL 60\n@ SOA a b 1 2 3 4 5', ORIGIN, changes),
      '$TTL 60\n@ SOA a b 1 2 3 4 5\nx.example.test. 30 IN A 192.0.2.1\ny.example.test. 30 IN A 192.0.2.2\nz.example.test. 30 IN A 192.0.2.3\n',
    );
  });

  it('uses the entries it is given instead of parsing again', () => {
    const entries = parseZone(before, ORIGIN);
    const change: RrsetChange = { name: 'd.example.test', type: 'A', values: ['198.51.100.5'], ttl: 30 };
    assert.equal(replaceRrsets(before, ORIGIN, [change], entries), replaceRrsets(before, ORIGIN, [change]));
  });

  it('refuses addresses next to a CNAME, naming the owner', () => {
    assert.throws(
      () => replaceRrsets(zone(...HEAD, 'www IN CNAME app'), ORIGIN, [{ name: 'www.example.test', type: 'AAAA', values: ['2001:db8::1'], ttl: 30 }]),
      /www\.example\.test has a CNAME record, so it cannot also hold AAAA records/,
    );
  });
});

describe('indexZone', () => {
  it('answers like readRrset for every name and type, from one parse', () => {
    const text = zone(...HEAD, 'app IN A 192.0.2.1', 'app IN A 192.0.2.1', '    IN AAAA 2001:DB8::1', 'www IN CNAME app', 'App.example.test. 20 IN A 192.0.2.2');
    const index = indexZone(parseZone(text, ORIGIN));
    for (const name of ['app.example.test', 'APP.example.test.', 'www.example.test', 'none.example.test']) {
      for (const type of ['A', 'AAAA'] as const) assert.deepEqual(index.rrset(name, type), readRrset(text, ORIGIN, name, type), `${name} ${type}`);
    }
    assert.deepEqual(index.rrset('app.example.test', 'A'), { values: ['192.0.2.1', '192.0.2.2'], ttl: 300 });
    assert.deepEqual([index.cname('www.example.test.'), index.cname('app.example.test')], ['app.example.test', undefined], 'a CNAME target target is absolute');
  });
});

describe('newZoneText', () => {
  it('has $ORIGIN, $TTL, an SOA with the serial and one NS per name', () => {
    const text = newZoneText({ zone: 'Example.Test.', nameservers: ['ns1.example.net.', 'ns2.example.net'], serial: 2024010100 });
    const records = parseZone(text, ORIGIN).filter((e): e is ZoneRecord => e.kind === 'record');
    assert.deepEqual(
      records.map((r) => [r.owner, r.type, r.ttl]),
      [
        ['example.test', 'SOA', 60],
        ['example.test', 'NS', 60],
        ['example.test', 'NS', 60],
      ],
    );
    assert.equal(records[0]?.rdata[0]?.text, 'ns1.example.net.');
    assert.equal(records[0]?.rdata[2]?.text, '2024010100');
    assert.deepEqual(records.slice(1).map((r) => r.rdata[0]?.text), ['ns1.example.net.', 'ns2.example.net.']);
  });
});

describe('zone text: TXT (the votes of several checkers)', () => {
  const ZONE = 'example.test';
  const base = '$ORIGIN example.test.\n$TTL 60\n@ IN SOA ns. host. 1 3600 600 86400 60\n';
  it('every printable ASCII character survives a write and a read', () => {
    const all = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
    const text = replaceRrsets(base, ZONE, [{ name: 'v._dnsfail.app.example.test', type: 'TXT', values: [all], ttl: 60 }]);
    assert.deepEqual(readRrset(text, ZONE, 'v._dnsfail.app.example.test', 'TXT'), { values: [all], ttl: 60 });
    assert.match(text, /^v\._dnsfail\.app\.example\.test\. 60 IN TXT " !\\"#\$%&'\(\)\*\+,-\.\/0123456789:;<=>\?@A.*\[\\\\\]\^_`a.*\{\|\}~"$/m);
  });

  it('reads a TXT record someone else wrote: several strings joined, \\DDD and \\X escapes decoded, beside other records', () => {
    const text = `${base}app IN A 192.0.2.1\nv._dnsfail.app 30 IN TXT ( "v=dnsfail1 " "id=home" ) ; a comment\nspf IN TXT "v=spf1 \\065ll" unquoted\\;semi\n`;
    assert.deepEqual(readRrset(text, ZONE, 'v._dnsfail.app.example.test', 'TXT'), { values: ['v=dnsfail1 id=home'], ttl: 30 });
    assert.deepEqual(readRrset(text, ZONE, 'spf.example.test', 'TXT')?.values, ['v=spf1 Allunquoted;semi']);
    assert.deepEqual(readRrset(text, ZONE, 'app.example.test', 'A')?.values, ['192.0.2.1']);
  });

  it('replaces a TXT rrset in place and leaves the A record of the same name alone', () => {
    const text = `${base}app IN A 192.0.2.1\napp IN TXT "old"\nafter IN A 192.0.2.9\n`;
    const next = replaceRrsets(text, ZONE, [{ name: 'app.example.test', type: 'TXT', values: ['new "one"'], ttl: 60 }]);
    assert.equal(next, `${base}app IN A 192.0.2.1\napp.example.test. 60 IN TXT "new \\"one\\""\nafter IN A 192.0.2.9\n`);
  });
});
