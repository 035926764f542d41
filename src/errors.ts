/** Exit codes are part of the public contract (README "Exit codes"). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  allDown: 3,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error we expect and can explain: printed as one message (plus hint), never with a stack. */
export class DnsfailError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint?: string;
  constructor(message: string, opts: { exitCode?: ExitCodeValue; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.exitCode = opts.exitCode ?? ExitCode.failure;
    if (opts.hint !== undefined) this.hint = opts.hint;
  }
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

/** Another run holds the state lock. */
export class LockBusyError extends DnsfailError {}
