/** The one way dnsfail runs a program: health checks, the exec provider, exec notifiers, zone reloads. */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** Most bytes kept of each of stdout and stderr. */
export const MAX_CAPTURED_BYTES = 64 * 1024;
/** At the deadline the group gets SIGTERM, and SIGKILL once the program exits or after this. */
export const DEFAULT_KILL_GRACE_MS = 1000;

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
  | { kind: 'aborted' }
  /** ENOENT, EACCES, …; EMPTY for an empty argv. */
  | { kind: 'spawn-error'; code: string };

export type ExitedOutcome = Extract<RunOutcome, { kind: 'exited' }>;

export interface RunOptions {
  /** The program's whole environment: nothing is inherited that is not in here. */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs: number;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: string;
  /** Stops the program like the deadline does; the outcome is then `aborted`. */
  signal?: AbortSignal;
  killGraceMs?: number;
}

/**
 * Runs argv without a shell in a process group of its own. At the deadline (or abort) the whole
 * group gets SIGTERM, then SIGKILL once the program has exited or the grace is over, so a grandchild
 * that ignores SIGTERM dies too; the promise settles after that. After a normal exit the group is
 * killed as well, so a stray background process cannot hold the pipes open and stall the caller.
 */
export function runProcess(argv: readonly string[], opts: RunOptions): Promise<RunOutcome> {
  const [file, ...args] = argv;
  if (file === undefined || file === '') return Promise.resolve({ kind: 'spawn-error', code: 'EMPTY' });
  if (opts.signal?.aborted) return Promise.resolve({ kind: 'aborted' });

  return new Promise((resolve) => {
    const stdin = opts.input === undefined ? 'ignore' : 'pipe';
    const child = spawn(file, args, { env: opts.env, cwd: opts.cwd, stdio: [stdin, 'pipe', 'pipe'], detached: true });
    const stdout = captureHead(child.stdout!);
    const stderr = captureTail(child.stderr!);
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let stopping: RunOutcome | undefined;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;

    const signalGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        /* the group is already gone */
      }
    };
    const exitedOutcome = (): RunOutcome => ({ kind: 'exited', ...exited!, ...stdout(), stderr: stderr() });
    const finish = (outcome: RunOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(graceTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      signalGroup('SIGKILL');
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(outcome);
    };
    const stop = (outcome: RunOutcome): void => {
      if (settled || stopping) return;
      // Exited in time, but something that left the group still holds the pipes: judge by the exit.
      if (exited) return finish(exitedOutcome());
      stopping = outcome;
      signalGroup('SIGTERM');
      graceTimer = setTimeout(() => finish(outcome), opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    };
    const deadline = setTimeout(() => stop({ kind: 'timeout' }), opts.timeoutMs);
    const onAbort = (): void => stop({ kind: 'aborted' });
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.once('error', (err: NodeJS.ErrnoException) => finish({ kind: 'spawn-error', code: err.code ?? 'EUNKNOWN' }));
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      if (stopping) finish(stopping);
      else signalGroup('SIGKILL'); // background children would otherwise keep the pipes (and so 'close') open
    });
    child.once('close', () => {
      if (exited) finish(exitedOutcome());
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // a program that does not read its input
      child.stdin.end(opts.input);
    }
  });
}

/** Why a program could not be started: "not found", "not executable", "cannot be run (E…)". */
export function spawnErrorReason(code: string): string {
  if (code === 'ENOENT') return 'not found';
  if (code === 'EACCES') return 'not executable';
  if (code === 'EMPTY') return 'is empty';
  return `cannot be run (${code})`;
}

/** The last line of stderr, else of stdout (knotc and Nagios plugins print there), trimmed and bounded. */
export function lastOutputLine(outcome: ExitedOutcome, maxChars = 200): string {
  const lastLine = (text: string) => text.trimEnd().split('\n').pop()?.trim() ?? '';
  const line = lastLine(outcome.stderr) || lastLine(outcome.stdout);
  return line.length <= maxChars ? line : `${line.slice(0, maxChars - 1)}…`;
}

function captureHead(stream: Readable): () => { stdout: string; stdoutOverflow: boolean } {
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  stream.on('data', (chunk: Buffer) => {
    const room = MAX_CAPTURED_BYTES - size;
    if (chunk.length > room) overflow = true;
    if (room <= 0) return;
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
