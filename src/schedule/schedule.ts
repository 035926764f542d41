import { CronExpressionParser } from 'cron-parser';
import { ConfigError } from '../errors.js';
import { formatDuration } from '../../providers/kit/duration.js';

/** When the next run is due. */
export interface Schedule {
  next(after: Date): Date;
  describe: string;
}

export function intervalSchedule(ms: number): Schedule {
  if (!(ms >= 1000)) throw new ConfigError('--interval must be at least 1s');
  return { next: (after) => new Date(after.getTime() + ms), describe: `every ${formatDuration(ms)}` };
}

/** A 5-field (minute) or 6-field (second) cron expression, or an @-macro, in a time zone. */
export function cronSchedule(expr: string, tz?: string): Schedule {
  const trimmed = expr.trim();
  const fields = trimmed.split(/\s+/).length;
  if (!trimmed.startsWith('@') && fields !== 5 && fields !== 6) {
    throw new ConfigError(`schedule "${expr}" has ${fields} fields; use 5 (minute hour day month weekday) or 6 (with seconds first)`);
  }
  if (tz !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
    } catch {
      throw new ConfigError(`--tz "${tz}" is not a time zone (e.g. UTC, Europe/Berlin)`);
    }
  }
  const parse = (after: Date) => CronExpressionParser.parse(trimmed, { currentDate: after, ...(tz ? { tz } : {}) });
  try {
    parse(new Date()).next();
  } catch (e) {
    throw new ConfigError(`schedule "${expr}" is not a valid cron expression: ${(e as Error).message}`);
  }
  return { next: (after) => parse(after).next().toDate(), describe: `cron "${trimmed}"${tz ? ` (${tz})` : ''}` };
}

export function upcoming(s: Schedule, from: Date, count: number): Date[] {
  const out: Date[] = [];
  let at = from;
  for (let i = 0; i < count; i++) {
    at = s.next(at);
    out.push(at);
  }
  return out;
}
