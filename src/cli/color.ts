import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Colour is decided once: --no-color and NO_COLOR turn it off, FORCE_COLOR turns it on (its value
 * as the level), otherwise only a terminal that is not "dumb" gets colour.
 */
export function makeChalk(opts: { noColor: boolean; isTTY: boolean; env: Record<string, string | undefined> }): ChalkInstance {
  return new Chalk({ level: colorLevel(opts) });
}

export function colorLevel({ noColor, isTTY, env }: { noColor: boolean; isTTY: boolean; env: Record<string, string | undefined> }): 0 | 1 | 2 | 3 {
  if (noColor || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    const n = Number(force);
    return n >= 1 && n <= 3 ? (n as 1 | 2 | 3) : 1;
  }
  if (!isTTY || env.TERM === 'dumb') return 0;
  return env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit' ? 3 : 2;
}
