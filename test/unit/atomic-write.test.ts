import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { makeDirs, writeFileAtomic } from '../../providers/kit/atomic-write.js';
import { emptyState, saveState } from '../../src/state/store.js';

const root = mkdtempSync(join(tmpdir(), 'dnsfail-atomic-'));
after(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;
const MODULE = pathToFileURL(join(import.meta.dirname, '..', '..', 'providers', 'kit', 'atomic-write.js')).href;
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

describe('makeDirs', () => {
  it('creates every missing directory on the way, and accepts one that exists', () => {
    const dir = join(freshDir(), 'a', 'b', 'c');
    makeDirs(dir);
    assert.ok(statSync(dir).isDirectory());
    makeDirs(dir);
  });

  it('throws ENOTDIR when a part of the path is a file', () => {
    const file = join(freshDir(), 'afile');
    writeFileSync(file, '');
    assert.throws(() => makeDirs(join(file, 'sub')), { code: 'ENOTDIR' });
  });

  it('throws ENOENT, not spins, under a directory that refuses children with ENOENT (/proc)', (t) => {
    if (!existsSync('/proc/self/stat')) return t.skip('no /proc on this system');
    // In a child with a deadline: Node's own mkdirSync(…, { recursive: true }) never returns here.
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `import { makeDirs } from ${JSON.stringify(MODULE)}; try { makeDirs('/proc/dnsfail-no-such-dir/sub'); } catch (e) { console.log(e.code); }`],
      { encoding: 'utf8', timeout: 10_000 },
    );
    assert.equal(r.signal, null, 'makeDirs did not return within 10 s');
    assert.equal(r.stdout.trim(), 'ENOENT', r.stderr);
  });
});
