import type { ChalkInstance, ColorSupportLevel } from 'chalk';

// CommonJS on purpose: chalk (and the tty and os modules its colour detection loads, about 3 ms)
// is then required synchronously the first time a colour is asked for, and a cron run that prints
// nothing never loads it. Node ≥ 20.19 requires an ES module such as chalk; the bundle inlines it.
export function createChalk(level: ColorSupportLevel): ChalkInstance {
  const { Chalk } = require('chalk') as typeof import('chalk');
  return new Chalk({ level });
}
