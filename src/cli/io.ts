import type { ChalkInstance } from 'chalk';
import { redact } from '../log/redact.js';

/** Where a command writes. Every line passes through redact(), so no secret can be printed. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  c: ChalkInstance;
}

export function processIo(c: ChalkInstance): Io {
  return {
    out: (t) => process.stdout.write(`${redact(t)}\n`),
    err: (t) => process.stderr.write(`${redact(t)}\n`),
    c,
  };
}
