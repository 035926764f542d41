import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeFileAtomic } from '../../providers/kit/atomic-write.js';
import { emptyState, saveState } from '../../src/state/store.js';

const root = mkdtempSync(join(tmpdir(), 'dnsfail-atomic-'));
after(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;
const freshDir = () => mkdtempSync(join(root, `${++seq}-`));

describe('writeFileAtomic', () => {
  it('writes through a symlink: the link stays, the file behind it is replaced (the state file too)', () => {
    const dir = freshDir();
    const real = join(dir, 'real-state.json');
    writeFileSync(real, '{}');
    const link = join(dir, 'state.json');
    symlinkSync(real, link);
    saveState(link, emptyState(), new Date('2026-01-01T00:00:00Z'));
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link was replaced by a file');
    assert.match(readFileSync(real, 'utf8'), /"updatedAt": "2026-01-01T00:00:00.000Z"/);
    assert.deepEqual(readdirSync(dir).sort(), ['real-state.json', 'state.json'], 'no temp file left');
  });

  it('gives a new file the mode asked for and keeps the mode of an existing one', () => {
    const dir = freshDir();
    const fresh = join(dir, 'new.txt');
    writeFileAtomic(fresh, 'a', 0o640);
    assert.equal(statSync(fresh).mode & 0o777, 0o640);
    const existing = join(dir, 'zone');
    writeFileSync(existing, 'old');
    chmodSync(existing, 0o604);
    writeFileAtomic(existing, 'new', 0o600);
    assert.deepEqual([readFileSync(existing, 'utf8'), statSync(existing).mode & 0o777], ['new', 0o604]);
  });

  it('creates a missing directory', () => {
    const file = join(freshDir(), 'a', 'b', 'state.json');
    writeFileAtomic(file, 'x');
    assert.equal(readFileSync(file, 'utf8'), 'x');
  });

  it('removes the temp files of dead writers and leaves those of live ones', () => {
    const dir = freshDir();
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    const dead = `.zone.db.dnsfail-${deadPid}.1abcdef.tmp`;
    const live = `.zone.db.dnsfail-${process.ppid}.1abcdef.tmp`;
    writeFileSync(join(dir, dead), 'half');
    writeFileSync(join(dir, live), 'half');
    writeFileAtomic(join(dir, 'zone.db'), 'x');
    assert.deepEqual(readdirSync(dir).sort(), [live, 'zone.db']);
  });
});
