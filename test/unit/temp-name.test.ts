import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tempName, tempPid } from '../../providers/kit/process-identity.js';

describe('temp file names', () => {
  it('are unique within a process and carry its pid', () => {
    const names = new Set(Array.from({ length: 1000 }, () => tempName('state.json.')));
    assert.equal(names.size, 1000);
    for (const n of names) assert.equal(tempPid(n, 'state.json.'), process.pid);
  });

  it('end in a fixed-width random part, so a count and its random digits cannot read as another count', (t) => {
    // Unpadded, count 0x1 with random 0xa0 and count 0x1a with random 0x0 would both read "1a0".
    t.mock.method(Math, 'random', () => 0);
    const hex = [tempName('x.'), tempName('x.')].map((n) => /^x\.\d+\.([0-9a-f]+)\.tmp$/.exec(n)![1]!);
    for (const h of hex) assert.ok(h.endsWith('000000'), h);
    const counts = hex.map((h) => parseInt(h.slice(0, -6), 16));
    assert.equal(counts[1], counts[0]! + 1);
  });

  it('are told apart from other files next to them', () => {
    assert.equal(tempPid('state.json', 'state.json.'), null);
    assert.equal(tempPid('state.json.lock', 'state.json.'), null);
    assert.equal(tempPid('other.1234.ab.tmp', 'state.json.'), null);
  });
});
