import type { ChalkInstance } from 'chalk';
import { redact } from '../log/redact.js';

/** Where a command writes. Every line passes through redact(), so no secret can be printed. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  c: ChalkInstance;
}

/** `colors` is called on first use of `c`: a run that prints nothing never loads chalk. */
export function processIo(colors: () => ChalkInstance): Io {
  let c: ChalkInstance | undefined;
  return {
    out: (t) => process.stdout.write(`${redact(t)}\n`),
    err: (t) => process.stderr.write(`${redact(t)}\n`),
    get c() {
      return (c ??= colors());
    },
  };
}
