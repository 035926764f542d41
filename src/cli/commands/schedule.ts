import { cronSchedule, upcoming } from '../../schedule/schedule.js';
import { ConfigError } from '../../errors.js';
import type { CommandContext } from '../context.js';

/** `dnsfail schedule "<cron>"`: the next run times, to check a cron line before trusting it. */
export function scheduleCommand(args: { expression?: string; count: number; tz?: string }, ctx: CommandContext): number {
  if (!args.expression?.trim()) throw new ConfigError('schedule needs a cron expression in quotes, e.g. dnsfail schedule "*/5 * * * *"');
  const s = cronSchedule(args.expression, args.tz);
  ctx.io.out(`${s.describe}: next ${args.count} run(s)`);
  for (const at of upcoming(s, new Date(), args.count)) {
    ctx.io.out(`  ${at.toISOString()}${args.tz ? `  (${at.toLocaleString('sv-SE', { timeZone: args.tz })} ${args.tz})` : ''}`);
  }
  return 0;
}
