import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MeasuredProcess {
  code: number | null;
  /** Wall time, spawn → exit. */
  ms: number;
  /** Peak resident set size in KiB, or null if it could not be read. */
  peakRssKb: number | null;
  stdout: string;
  stderr: string;
}

const GNU_TIME = '/usr/bin/time';

/** How peak RSS is read: GNU time's %M (getrusage of the child), else polling /proc/<pid>/status VmHWM. */
export const RSS_METHOD = isExecutable(GNU_TIME) ? `${GNU_TIME} -f %M` : '/proc/<pid>/status VmHWM, polled every 5 ms';

const POLL_MS = 5;

/**
 * Runs any program and measures wall time and peak RSS the same way for every program, so two
 * tools (a Perl script, a Node CLI) are compared like for like. Killed after timeoutMs.
 */
export function measureProcess(cmd: string, args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<MeasuredProcess> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...opts.env };
  const useTime = RSS_METHOD.startsWith(GNU_TIME);
  const dir = useTime ? mkdtempSync(join(tmpdir(), 'dnsfail-bench-rss-')) : '';
  const rssFile = join(dir, 'rss');
  const file = useTime ? GNU_TIME : cmd;
  const argv = useTime ? ['-f', '%M', '-o', rssFile, cmd, ...args] : args;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, argv, { env, cwd: opts.cwd ?? process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let polledKb: number | null = null;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const poll = useTime
      ? undefined
      : setInterval(() => {
          const kb = vmHwmKb(child.pid);
          if (kb !== null) polledKb = Math.max(polledKb ?? 0, kb);
        }, POLL_MS);
    const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(killer);
      if (poll) clearInterval(poll);
      if (dir) rmSync(dir, { recursive: true, force: true });
      reject(e);
    });
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      clearTimeout(killer);
      if (poll) clearInterval(poll);
      let peakRssKb = polledKb;
      if (useTime) {
        // GNU time writes "Command exited with non-zero status N" before the figure when N ≠ 0.
        const last = readOr(rssFile).trim().split('\n').pop() ?? '';
        peakRssKb = /^\d+$/.test(last) ? Number(last) : null;
        rmSync(dir, { recursive: true, force: true });
      }
      resolve({ code, ms, peakRssKb, stdout, stderr });
    });
  });
}

function vmHwmKb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readOr(`/proc/${pid}/status`));
  return m ? Number(m[1]) : null;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
