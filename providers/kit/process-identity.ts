import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Who wrote a lock or a temp file, precisely enough to tell that it is gone for good. A bare pid is
 * not: after a reboot (the state lives in /var/lib, the lock next to it) or a wrap of the pid space,
 * the pid of a crashed run can belong to an unrelated live process, and its lock would never break.
 * On Linux the boot id and the process start time (clock ticks since boot) settle it.
 */
export interface ProcessIdentity {
  pid: number;
  /** /proc/sys/kernel/random/boot_id; absent where there is no /proc. */
  boot?: string;
  /** Field 22 of /proc/<pid>/stat. */
  start?: string;
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export const currentBootId = (): string | undefined => readTrimmed('/proc/sys/kernel/random/boot_id');

export function processStartTime(pid: number): string | undefined {
  const stat = readTrimmed(`/proc/${pid}/stat`);
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const afterName = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  return afterName?.[19];
}

export function myIdentity(): ProcessIdentity {
  const boot = currentBootId();
  const start = processStartTime(process.pid);
  return { pid: process.pid, ...(boot ? { boot } : {}), ...(start ? { start } : {}) };
}

/** False only when we know the process is gone; a process we may not signal (EPERM) is alive. */
export function isAlive(who: ProcessIdentity): boolean {
  if (who.boot) {
    const boot = currentBootId();
    if (boot && boot !== who.boot) return false;
  }
  try {
    process.kill(who.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (who.start) {
    const start = processStartTime(who.pid);
    if (start && start !== who.start) return false; // the pid was reused
  }
  return true;
}

/**
 * Deletes the temp files in `dir` that `pidOf` recognises (returning the writer's pid) and whose
 * writer is no longer running: what a run killed between creating and renaming them left behind.
 */
export function removeTempsOfDeadProcesses(dir: string, pidOf: (fileName: string) => number | null): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = pidOf(name);
    if (pid === null || pid === process.pid || isAlive({ pid })) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      /* another run removed it first */
    }
  }
}

/** The pid in a temp name made by `tempName`, or null for any other file. */
export function tempPid(fileName: string, prefix: string): number | null {
  if (!fileName.startsWith(prefix)) return null;
  const m = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(fileName.slice(prefix.length));
  return m ? Number(m[1]) : null;
}

let tempCount = 0;

/**
 * `<prefix><pid>.<count><random>.tmp` (hex): unique, and says who wrote it. The pid plus a
 * per-process count makes it unique (the random part has a fixed width, so no two counts can read
 * alike); the random part only makes it hard to guess. (Temp files are opened with O_EXCL, so a
 * guessed name can fail a write but never redirect it; node:crypto is not worth loading for this.)
 */
export function tempName(prefix: string): string {
  const random = Math.floor(Math.random() * 0x1000000).toString(16).padStart(6, '0');
  return `${prefix}${process.pid}.${(++tempCount).toString(16)}${random}.tmp`;
}
