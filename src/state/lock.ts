import { hostname } from 'node:os';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { LockBusyError } from '../errors.js';

export interface Lock {
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  since: string;
}

/**
 * An exclusive lock next to the state file, so two overlapping cron runs never both write.
 * The lock file is created complete (written to a temp file, then hard-linked into place), and a
 * lock left by a dead process on this host is broken. A live holder makes us wait up to waitMs.
 */
export async function acquireLock(lockPath: string, waitMs: number): Promise<Lock> {
  mkdirSync(dirname(lockPath), { recursive: true });
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const tmp = `${lockPath}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(me), { mode: 0o600 });
  const deadline = Date.now() + waitMs;
  try {
    for (;;) {
      try {
        linkSync(tmp, lockPath);
        return { release: () => releaseIfOurs(lockPath) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = readHolder(lockPath);
      if (holder && isStale(holder)) {
        breakStaleLock(lockPath, holder);
        continue;
      }
      if (Date.now() >= deadline) {
        const who = holder ? `pid ${holder.pid}${holder.host !== me.host ? ` on ${holder.host}` : ''}, since ${holder.since}` : 'another process';
        throw new LockBusyError(`another dnsfail run holds the state lock (${who}); this run made no changes`, {
          hint: `if no dnsfail is running, remove ${lockPath}`,
        });
      }
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 50));
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
  }
}

function readHolder(lockPath: string): Holder | null {
  try {
    const h = JSON.parse(readFileSync(lockPath, 'utf8')) as Holder;
    return typeof h.pid === 'number' ? h : null;
  } catch {
    return null;
  }
}

function isStale(h: Holder): boolean {
  if (h.host !== hostname()) return false; // cannot tell: treat as alive
  try {
    process.kill(h.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Move the lock aside and check we moved the stale one; if a live lock was moved by a race, put it back. */
function breakStaleLock(lockPath: string, stale: Holder): void {
  const aside = `${lockPath}.broken.${process.pid}`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return; // someone else broke it first
  }
  const moved = readHolder(aside);
  if (moved && (moved.pid !== stale.pid || moved.since !== stale.since)) {
    try {
      linkSync(aside, lockPath);
    } catch {
      /* a third process took the lock meanwhile; it is theirs */
    }
  }
  unlinkSync(aside);
}

function releaseIfOurs(lockPath: string): void {
  const h = readHolder(lockPath);
  if (h && h.pid === process.pid) unlinkSync(lockPath);
}
