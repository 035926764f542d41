import type { ChalkInstance } from 'chalk';
import type { Io } from '../cli/io.js';

export type LogFormat = 'human' | 'json';
export type LogLevel = 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, event: string, message: string, fields?: Record<string, unknown>): void;
}

/**
 * Daemon logs: a timestamped human line (warnings and errors on stderr), or one JSON object per
 * event on stdout for journald / Kubernetes collectors. Both go through Io, so secrets are redacted.
 */
export function createLogger(format: LogFormat, io: Io, now: () => Date = () => new Date()): Logger {
  return {
    log(level, event, message, fields = {}) {
      if (format === 'json') {
        io.out(JSON.stringify({ time: now().toISOString(), level, event, message, ...fields }));
        return;
      }
      const line = `${io.c.dim(now().toISOString())} ${colour(io.c, level)(message)}`;
      if (level === 'info') io.out(line);
      else io.err(line);
    },
  };
}

function colour(c: ChalkInstance, level: LogLevel) {
  return level === 'error' ? c.red : level === 'warn' ? c.yellow : (s: string) => s;
}
