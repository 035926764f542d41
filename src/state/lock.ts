import { hostname } from 'node:os';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LockBusyError } from '../errors.js';
import { isAlive, myIdentity, removeTempsOfDeadProcesses, tempName, tempPid, type ProcessIdentity } from '../../providers/kit/process-identity.js';
import { statePathError } from './state-path.js';

export interface Lock {
  release(): void;
}

interface Holder extends ProcessIdentity {
  host: string;
  since: string;
}

/**
 * An exclusive lock next to the state file, so two overlapping cron runs never both write.
 * The lock file is created complete (written to a temp file, then hard-linked into place), and a
 * lock left by a dead process on this host is broken. A live holder makes us wait up to waitMs.
 * A lock that the file system refuses (no permission, read-only, full) is an EnvironmentError.
 */
export async function acquireLock(lockPath: string, waitMs: number): Promise<Lock> {
  try {
    return await takeLock(lockPath, waitMs);
  } catch (e) {
    throw statePathError(e, 'take the state lock', lockPath);
  }
}

async function takeLock(lockPath: string, waitMs: number): Promise<Lock> {
  mkdirSync(dirname(lockPath), { recursive: true });
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
        const who = holder ? `pid ${holder.pid}${holder.host !== me.host ? ` on ${holder.host}` : ''}, since ${holder.since}` : 'another process';
        throw new LockBusyError(`another dnsfail run holds the state lock (${who}); this run made no changes`, {
          hint: `if no dnsfail is running, remove ${lockPath}`,
        });
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
