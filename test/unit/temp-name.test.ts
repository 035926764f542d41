import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tempName, tempPid } from '../../src/state/process-identity.js';

describe('temp file names', () => {
  it('are unique within a process and carry its pid', () => {
    const names = new Set(Array.from({ length: 1000 }, () => tempName('state.json.')));
    assert.equal(names.size, 1000);
    for (const n of names) assert.equal(tempPid(n, 'state.json.'), process.pid);
  });

  it('are told apart from other files next to them', () => {
    assert.equal(tempPid('state.json', 'state.json.'), null);
    assert.equal(tempPid('state.json.lock', 'state.json.'), null);
    assert.equal(tempPid('other.1234.ab.tmp', 'state.json.'), null);
  });
});
