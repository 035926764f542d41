/** The one way dnsfail replaces a file (state, zone file, metrics): a reader or a crash never sees half of it. */
import { accessSync, chmodSync, chownSync, closeSync, constants, fsyncSync, mkdirSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { removeTempsOfDeadProcesses, tempName, tempPid } from './process-identity.js';

/**
 * The file a write to `path` replaces: the real file behind a symlink (renaming over the link would
 * replace the link, not the file), or `path` itself when it does not exist yet. Other errors throw.
 */
export function replaceTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return path;
    throw e;
  }
}

/**
 * Whether this process could replace `target` (write a temp file in its directory, rename it over
 * the file): the first of the two it may not write, with the error code; null when both are fine.
 * Changes nothing. A file that does not exist yet is fine: it is created on the first write.
 */
export function unwritablePart(target: string): { path: string; code: string } | null {
  for (const p of [dirname(target), target]) {
    try {
      accessSync(p, constants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EACCES';
      if (code === 'ENOENT' && p === target) continue;
      return { path: p, code };
    }
  }
  return null;
}

/**
 * Temp file in the same directory (created if missing; its name carries our pid), fsync, rename over the target, fsync
 * the directory. A symlink is followed. An existing file keeps its mode, and its owner when we are
 * root (so a server running as another user can still read a zone file); a new one gets `mode`.
 * Temp files of writers killed before their rename are removed first, so they never pile up.
 * Throws the file system's error as it is: the caller says which file it was.
 */
export function writeFileAtomic(path: string, data: string, mode = 0o600): void {
  const target = replaceTarget(path);
  const dir = dirname(target);
  const existing = statOrNull(target);
  makeDirs(dir);
  const prefix = `.${basename(target)}.dnsfail-`;
  removeTempsOfDeadProcesses(dir, (name) => tempPid(name, prefix));
  const tmp = join(dir, tempName(prefix));
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, existing ? existing.mode & 0o7777 : mode);
    if (existing && process.getuid?.() === 0) chownSync(tmp, existing.uid, existing.gid);
    renameSync(tmp, target);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* renamed, or already gone */
    }
    throw e;
  }
  syncDir(dir);
}

/**
 * `mkdir -p`. Node's own recursive mkdir spins forever when a directory that exists answers ENOENT
 * for a missing child (/proc, /sys): here that ENOENT is thrown, so a bad --state fails instead of hanging.
 */
export function makeDirs(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw e;
    makeDirs(dirname(dir));
    try {
      mkdirSync(dir);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
    }
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** Makes the rename durable; best effort (not every file system can fsync a directory). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* not supported here */
  }
}
