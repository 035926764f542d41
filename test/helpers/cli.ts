import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The built binary, as users run it. Tests compile to dist/test/helpers, so the repo root is three up. */
export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'dnsfail.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `node bin/dnsfail.js ...args` with a clean environment (no colour unless asked, no stdin). */
export function runCli(args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const t0 = performance.now();
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...opts.env };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: opts.cwd ?? process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

export interface RunningCli {
  pid: number;
  /** Everything printed so far, stdout and stderr interleaved by line. */
  lines: string[];
  /** Resolves with the first line (from now on or already printed) matching re. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  signal(sig: NodeJS.Signals): void;
  /** Resolves with the exit code (or 128+signal). */
  exited: Promise<number>;
}

/** Starts the built binary and keeps it running (for watch). */
export function startCli(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): RunningCli {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...opts.env };
  const child = spawn(process.execPath, [BIN, ...args], { env, cwd: opts.cwd ?? process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<{ re: RegExp; resolve: (l: string) => void }>();
  const onData = (buf: { s: string }) => (d: Buffer) => {
    buf.s += d.toString();
    let i;
    while ((i = buf.s.indexOf('\n')) >= 0) {
      const line = buf.s.slice(0, i);
      buf.s = buf.s.slice(i + 1);
      lines.push(line);
      for (const w of waiters) if (w.re.test(line)) {
        waiters.delete(w);
        w.resolve(line);
      }
    }
  };
  child.stdout.on('data', onData({ s: '' }));
  child.stderr.on('data', onData({ s: '' }));
  const exited = new Promise<number>((resolve) => child.on('exit', (code, sig) => resolve(code ?? 128 + (sig === 'SIGKILL' ? 9 : 15))));
  return {
    pid: child.pid!,
    lines,
    signal: (sig) => child.kill(sig),
    exited,
    waitFor(re, timeoutMs = 15_000) {
      const found = lines.find((l) => re.test(l));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { re, resolve: (l: string) => (clearTimeout(timer), resolve(l)) };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no line matching ${re} within ${timeoutMs}ms; output:\n${lines.join('\n')}`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
  };
}
