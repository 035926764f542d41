import { DnsfailError, ExitCode, type ExitCodeValue } from '../providers/kit/errors.js';

export { DnsfailError, ExitCode, type ExitCodeValue } from '../providers/kit/errors.js';

/**
 * The exit code of a run that ended with this error, the one place that decides it: a DnsfailError
 * (ProviderError, ConfigError, …) carries its own; anything else is a bug and exits 1. A run that
 * ends with a report exits with the report's code (src/app/run-once.ts).
 */
export function exitCodeOf(e: unknown): ExitCodeValue {
  return e instanceof DnsfailError ? e.exitCode : ExitCode.failure;
}

/** Bad config or bad command line: exit 2, nothing probed or written. */
export class ConfigError extends DnsfailError {
  readonly path?: string;
  readonly line?: number;
  constructor(message: string, opts: { path?: string; line?: number; hint?: string; cause?: unknown } = {}) {
    super(message, { exitCode: ExitCode.usage, hint: opts.hint, cause: opts.cause });
    if (opts.path !== undefined) this.path = opts.path;
    if (opts.line !== undefined) this.line = opts.line;
  }
}

/**
 * The environment refuses what dnsfail needs (a state or config path it cannot create, read or
 * write): exit 2, like a config error, because it is checked before anything is probed or written.
 */
export class EnvironmentError extends DnsfailError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, { exitCode: ExitCode.usage, cause: opts.cause });
  }
}

/** Another run holds the state lock. */
export class LockBusyError extends DnsfailError {}

const OS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files (ulimit -n)',
  ENFILE: 'too many open files in the system',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many levels of symbolic links',
  EIO: 'input/output error',
};

/** An error the operating system gave for a file operation: "permission denied (EACCES)"; null for anything else. */
export function fileErrorReason(e: unknown): string | null {
  const { code, syscall } = (e ?? {}) as NodeJS.ErrnoException;
  if (!(e instanceof Error) || typeof code !== 'string' || typeof syscall !== 'string') return null;
  const reason = OS_REASONS[code];
  return reason ? `${reason} (${code})` : code;
}

/** What to do about a file error: the usual fix, unless the cause is not the path (a full disk, too many open files). */
export function fileErrorFix(e: unknown, usual: string): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'free space on that file system';
  if (code === 'EMFILE' || code === 'ENFILE') return 'raise the open-file limit (ulimit -n)';
  return usual;
}
