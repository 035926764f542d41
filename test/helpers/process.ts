import { readFileSync } from 'node:fs';

/** True when the pid is gone or a zombie (PID 1 in a container may never reap it). */
export function isDead(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** SIGKILL is delivered asynchronously: give the kernel a moment. */
export async function diesSoon(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && !isDead(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return isDead(pid);
}
