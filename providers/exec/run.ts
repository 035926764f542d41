import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** Most bytes kept of each of stdout and stderr. */
export const MAX_CAPTURED_BYTES = 64 * 1024;

export type RunOutcome =
  | {
      kind: 'exited';
      /** null when a signal ended it. */
      code: number | null;
      signal: NodeJS.Signals | null;
      /** The first MAX_CAPTURED_BYTES. */
      stdout: string;
      stdoutOverflow: boolean;
      /** The last MAX_CAPTURED_BYTES. */
      stderr: string;
    }
  | { kind: 'timeout' }
  | { kind: 'spawn-error'; code: string };

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  timeoutMs: number;
}

/**
 * Runs argv without a shell in its own process group. At the deadline the whole group is killed
 * (grandchildren included); after a normal exit too, so a stray background process cannot hold the
 * pipes open and stall the run.
 */
export function runArgv(argv: readonly string[], opts: RunOptions): Promise<RunOutcome> {
  const [file, ...args] = argv;
  if (file === undefined || file === '') return Promise.resolve({ kind: 'spawn-error', code: 'EMPTY' });

  return new Promise((resolve) => {
    const child = spawn(file, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const stdout = captureHead(child.stdout);
    const stderr = captureTail(child.stderr);
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;

    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* the group is already gone */
      }
    };
    const finish = (outcome: RunOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      killGroup();
      resolve(outcome);
    };

    const timer = setTimeout(() => {
      // Exited in time but something that escaped the group still holds the pipes: judge by the exit.
      if (exited) return finish({ kind: 'exited', ...exited, ...stdout(), stderr: stderr() });
      finish({ kind: 'timeout' });
      child.stdout.destroy();
      child.stderr.destroy();
    }, opts.timeoutMs);

    child.once('error', (err) => finish({ kind: 'spawn-error', code: (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN' }));
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      killGroup();
    });
    child.once('close', () => {
      if (exited) finish({ kind: 'exited', ...exited, ...stdout(), stderr: stderr() });
    });
  });
}

function captureHead(stream: Readable): () => { stdout: string; stdoutOverflow: boolean } {
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  stream.on('data', (chunk: Buffer) => {
    if (size >= MAX_CAPTURED_BYTES) {
      overflow = true;
      return;
    }
    const room = MAX_CAPTURED_BYTES - size;
    if (chunk.length > room) overflow = true;
    const kept = chunk.subarray(0, room);
    chunks.push(kept);
    size += kept.length;
  });
  return () => ({ stdout: Buffer.concat(chunks).toString('utf8'), stdoutOverflow: overflow });
}

function captureTail(stream: Readable): () => string {
  let tail = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    tail = Buffer.concat([tail, chunk]);
    if (tail.length > MAX_CAPTURED_BYTES) tail = tail.subarray(tail.length - MAX_CAPTURED_BYTES);
  });
  return () => tail.toString('utf8');
}
