import { hostname } from 'node:os';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { makeDirs } from './atomic-write.js';
import { isAlive, myIdentity, removeTempsOfDeadProcesses, tempName, tempPid, type ProcessIdentity } from './process-identity.js';

export interface FileLock {
  release(): void;
}

interface Holder extends ProcessIdentity {
  host: string;
  since: string;
}

/**
 * An exclusive lock file between processes: the state file's (two overlapping cron runs never both
 * write) and a zone file's (several checkers on one host never lose each other's edits).
 * The lock file is created complete (written to a temp file, then hard-linked into place), and a
 * lock left by a dead process on this host is broken. A live holder makes us wait up to waitMs;
 * then `busy` names it. File-system errors (no permission, read-only, full) are thrown as they are.
 */
export async function takeFileLock(lockPath: string, waitMs: number): Promise<FileLock | { busy: string }> {
  makeDirs(dirname(lockPath));
  const me: Holder = { ...myIdentity(), host: hostname(), since: new Date().toISOString() };
  const mine = JSON.stringify(me);
  const tmp = createComplete(lockPath, mine);
  const deadline = Date.now() + waitMs;
  try {
    for (;;) {
      try {
        linkSync(tmp, lockPath);
        removeTempsOfDeadProcesses(dirname(lockPath), (name) => tempPid(name, `${basename(lockPath)}.`));
        return { release: () => unlinkIfUnchanged(lockPath, mine) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const seen = readText(lockPath);
      if (seen === null) continue; // released meanwhile
      const holder = parseHolder(seen);
      if ((!holder || isStale(holder)) && breakStaleLock(lockPath, seen)) continue;
      if (Date.now() >= deadline) {
        return { busy: holder ? `pid ${holder.pid}${holder.host !== me.host ? ` on ${holder.host}` : ''}, since ${holder.since}` : 'another process' };
      }
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 50));
    }
  } finally {
    unlinkQuietly(tmp);
  }
}

/** A temp file next to `path` holding `text` in full, so linking it into place publishes all of it at once. */
function createComplete(path: string, text: string): string {
  const tmp = join(dirname(path), tempName(`${basename(path)}.`));
  try {
    writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    unlinkQuietly(tmp); // created but not filled (a full disk): leave nothing behind
    throw e;
  }
  return tmp;
}

/** null when the file does not exist. */
function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** null for a file no live dnsfail wrote: every lock is linked into place complete, so a torn one (power cut) is junk. */
function parseHolder(text: string): Holder | null {
  try {
    const h = JSON.parse(text) as Holder;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

function isStale(h: Holder): boolean {
  if (h.host !== hostname()) return false; // cannot tell: treat as alive
  return !isAlive(h);
}

/**
 * Removes the lock only if it still holds exactly what we judged stale; true when it is gone.
 * Breakers take turns through a second lock file: otherwise one could read the stale lock, another
 * replace it with a live one, and the first delete that live lock, letting two runs write at once.
 */
function breakStaleLock(lockPath: string, staleText: string): boolean {
  const breaker = `${lockPath}.break`;
  const tmp = createComplete(lockPath, JSON.stringify(myIdentity()));
  try {
    linkSync(tmp, breaker);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // A breaker holds it for microseconds; one that is gone was killed meanwhile.
    const other = parseIdentity(readText(breaker));
    if (!other || !isAlive(other)) unlinkQuietly(breaker);
    return false;
  } finally {
    unlinkQuietly(tmp);
  }
  try {
    const now = readText(lockPath);
    if (now === staleText) unlinkSync(lockPath);
    return now === null || now === staleText;
  } finally {
    unlinkQuietly(breaker);
  }
}

function parseIdentity(text: string | null): ProcessIdentity | null {
  try {
    const who = JSON.parse(text ?? '') as ProcessIdentity;
    return typeof who.pid === 'number' ? who : null;
  } catch {
    return null;
  }
}

function unlinkIfUnchanged(path: string, text: string): void {
  if (readText(path) === text) unlinkQuietly(path);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}
