import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bumpSoaSerial, isDateSerial, nextSerial, serialGreaterThan } from '../../providers/zonefile/serial.js';
import { ZoneTextError } from '../../providers/zonefile/zone-text.js';

const NOW = new Date('2024-03-15T23:30:00Z');

describe('nextSerial', () => {
  const cases: { name: string; current: number; want: number }[] = [
    { name: 'an older date serial jumps to today 00', current: 2024010105, want: 2024031500 },
    { name: "today's date serial counts up", current: 2024031500, want: 2024031501 },
    { name: "today's last slot rolls into tomorrow's numbers, never backwards", current: 2024031599, want: 2024031600 },
    { name: 'a date serial in the future counts up', current: 2030010100, want: 2030010101 },
    { name: 'a small counter counts up (it does not switch to dates)', current: 7, want: 8 },
    { name: 'zero counts up', current: 0, want: 1 },
    { name: 'an impossible date (Feb 30) is a plain counter', current: 2024023001, want: 2024023002 },
    { name: 'a month 13 is a plain counter', current: 2024130101, want: 2024130102 },
    { name: 'a counter past the date range counts up', current: 4000000000, want: 4000000001 },
    { name: 'wraps at 2^32 (RFC 1982)', current: 4294967295, want: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const next = nextSerial(c.current, NOW);
      assert.equal(next, c.want);
      assert.ok(serialGreaterThan(next, c.current), `${next} must be newer than ${c.current}`);
    });
  }

  it('rejects serials outside 0..2^32-1', () => {
    assert.throws(() => nextSerial(2 ** 32, NOW), RangeError);
    assert.throws(() => nextSerial(-1, NOW), RangeError);
  });
});

describe('isDateSerial / serialGreaterThan', () => {
  const dates: [number, boolean][] = [
    [2024022901, true],
    [2023022901, false],
    [1999123199, true],
    [123, false],
    [2147483647, false],
  ];
  for (const [serial, want] of dates) it(`isDateSerial(${serial}) is ${want}`, () => assert.equal(isDateSerial(serial), want));

  const order: [number, number, boolean][] = [
    [2, 1, true],
    [1, 2, false],
    [0, 4294967295, true],
    [4294967295, 0, false],
    [5, 5, false],
    [2 ** 31, 0, false],
  ];
  for (const [a, b, want] of order) it(`serialGreaterThan(${a}, ${b}) is ${want}`, () => assert.equal(serialGreaterThan(a, b), want));
});

describe('bumpSoaSerial', () => {
  it('rewrites only the serial token of a multi-line SOA, comments and spacing kept', () => {
    const text = [
      '$ORIGIN example.test.',
      '$TTL 60',
      '@   IN  SOA ns1 host (',
      '        2024010101   ; serial  YYYYMMDDnn',
      '        3600 600 86400 60 )',
      'app IN A 192.0.2.1',
      '',
    ].join('\n');
    const bumped = bumpSoaSerial(text, 'example.test', NOW);
    assert.deepEqual([bumped.previous, bumped.serial], [2024010101, 2024031500]);
    assert.equal(bumped.text, text.replace('2024010101', '2024031500'));
  });

  it('finds the apex SOA when the zone uses absolute names and a counter serial', () => {
    const text = 'example.test. 60 IN SOA ns1.example.test. host.example.test. 41 3600 600 86400 60\n';
    assert.equal(bumpSoaSerial(text, 'example.test.', NOW).text, text.replace(' 41 ', ' 42 '));
  });

  it('fails clearly when there is no SOA at the apex', () => {
    assert.throws(() => bumpSoaSerial('$TTL 60\nsub.example.test. SOA a b 1 2 3 4 5\n', 'example.test', NOW), ZoneTextError);
  });

  it('fails clearly on a serial that is not a number', () => {
    assert.throws(() => bumpSoaSerial('@ 60 SOA a b x1 2 3 4 5\n', 'example.test', NOW), /line 1: SOA serial/);
  });
});
