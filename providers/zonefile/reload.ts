import { execFile } from 'node:child_process';

const RELOAD_TIMEOUT_MS = 30_000;

/** Runs the configured reload command (argv, no shell); rejects with a one-line reason on failure or timeout. */
export function runReload(argv: string[]): Promise<void> {
  const [cmd, ...args] = argv as [string, ...string[]];
  return new Promise((done, fail) => {
    execFile(cmd, args, { timeout: RELOAD_TIMEOUT_MS, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (!err) return done();
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      // knotc prints its errors on stdout.
      const detail = (stderr.trim() || stdout.trim()).split('\n').slice(-3).join(' ').slice(0, 300);
      let why: string;
      if (e.code === 'ENOENT') why = `${cmd} not found`;
      else if (e.killed) why = `${cmd} timed out after ${RELOAD_TIMEOUT_MS / 1000} s`;
      else why = `${cmd} exited with ${typeof e.code === 'number' ? `code ${e.code}` : String(e.code ?? 'an error')}`;
      fail(new Error(detail ? `${why}: ${detail}` : why));
    });
  });
}
