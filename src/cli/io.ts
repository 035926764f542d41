import type { ChalkInstance } from 'chalk';
import { redact } from '../../providers/kit/redact.js';

/** Where a command writes. Every line passes through redact(), so no secret can be printed. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  c: ChalkInstance;
}

export function processIo(c: ChalkInstance): Io {
  // A reader that went away (`dnsfail status | head -1`) ends the output, not the run: without a
  // listener the EPIPE would crash the process with a stack after the run's work was done.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') process.stderr.write(`error: cannot write to stdout: ${e.code ?? e.message}\n`);
  });
  process.stderr.on('error', () => {});
  return {
    out: (t) => process.stdout.write(`${redact(t)}\n`),
    err: (t) => process.stderr.write(`${redact(t)}\n`),
    c,
  };
}
