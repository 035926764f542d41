import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRrset, replaceRrset, ZoneTextError } from '../../providers/zonefile/zone-text.js';

// A zone file without $TTL: a record without a TTL of its own is served by BIND (and CoreDNS,
// PowerDNS) with the previous record's TTL, by Knot and NSD with their default TTL. Reads do not
// guess it, and edits keep what every one of them serves (test/contract/zonefile-ttl.test.ts checks
// it against the real servers).

const ORIGIN = 'example.test';
const zone = (...lines: string[]) => `${lines.join('\n')}\n`;
const HEAD = ['$ORIGIN example.test.', '$TTL 300', '@ IN SOA ns1 hostmaster ( 1 3600 600 86400 60 )', '  IN NS ns1'];

describe('reading a file without $TTL', () => {
  const cases = [
    {
      // BIND serves the previous record's TTL (100), Knot and NSD their default (3600): the file does not say.
      name: 'without $TTL, a record without a TTL reports none',
      text: zone('$ORIGIN example.test.', '@ 100 IN SOA ns1 hostmaster 1 2 3 4 5', 'app IN A 192.0.2.1'),
      owner: 'app.example.test',
      want: { values: ['192.0.2.1'] },
    },
    {
      name: 'without $TTL, a stated TTL is reported',
      text: zone('$ORIGIN example.test.', '@ 100 IN SOA ns1 hostmaster 1 2 3 4 5', 'app 40 IN A 192.0.2.1', '    IN A 192.0.2.2'),
      owner: 'app.example.test',
      want: { values: ['192.0.2.1', '192.0.2.2'], ttl: 40 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(readRrset(c.text, ORIGIN, c.owner, 'A'), c.want));
  }
});

describe('editing a file without $TTL', () => {
  const cases = [
    {
      // Knot and NSD serve their default TTL for b, BIND the previous record's (100 before and after).
      name: 'without $TTL, never writes a TTL on a line that has none; new records go to the end instead of before it',
      before: ['$ORIGIN example.test.', '@ 100 IN SOA ns1 h 1 2 3 4 5', 'app 100 IN A 192.0.2.1', 'b IN A 192.0.2.2', 'c 50 IN A 192.0.2.3'],
      values: ['192.0.2.9'],
      after: ['$ORIGIN example.test.', '@ 100 IN SOA ns1 h 1 2 3 4 5', 'b IN A 192.0.2.2', 'c 50 IN A 192.0.2.3', 'app.example.test. 30 IN A 192.0.2.9'],
    },
    {
      name: 'without $TTL, new records stay in place when the next line states its TTL',
      before: ['$ORIGIN example.test.', '@ 100 IN SOA ns1 h 1 2 3 4 5', 'app 100 IN A 192.0.2.1', 'c 50 IN A 192.0.2.3', 'd IN A 192.0.2.4'],
      values: ['192.0.2.9'],
      after: ['$ORIGIN example.test.', '@ 100 IN SOA ns1 h 1 2 3 4 5', 'app.example.test. 30 IN A 192.0.2.9', 'c 50 IN A 192.0.2.3', 'd IN A 192.0.2.4'],
    },
    {
      name: 'with $TTL, a line without a TTL is left alone after a new TTL',
      before: [...HEAD, 'app 100 IN A 192.0.2.1', 'b IN A 192.0.2.2'],
      values: ['192.0.2.9'],
      after: [...HEAD, 'app.example.test. 30 IN A 192.0.2.9', 'b IN A 192.0.2.2'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(replaceRrset(zone(...c.before), ORIGIN, 'app.example.test', 'A', c.values, 30), zone(...c.after)));
  }

  it('without $TTL, refuses an edit that would change the TTL BIND serves for a line without one', () => {
    // BIND serves b with app's 200, Knot and NSD with their default: no text keeps both once app's line is gone.
    const before = zone('$ORIGIN example.test.', '@ 100 IN SOA ns1 h 1 2 3 4 5', 'app 200 IN A 192.0.2.1', 'b IN A 192.0.2.2');
    assert.throws(
      () => replaceRrset(before, ORIGIN, 'app.example.test', 'A', ['192.0.2.9'], 30),
      (e: unknown) => e instanceof ZoneTextError && e.line === 4 && /line 4: .*no TTL.*BIND.*Knot and NSD.*give line 4 a TTL or add a \$TTL line/.test(e.message),
    );
  });
});
