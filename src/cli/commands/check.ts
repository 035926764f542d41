import { performCheck } from '../../app/check.js';
import { loadConfigFor, statePathFor, unlockCommandFor, type CommandContext, type GlobalArgs } from '../context.js';
import { renderRun, reportToJson } from '../render.js';

export interface CheckArgs extends GlobalArgs {
  dryRun: boolean;
  json: boolean;
  concurrency?: number;
  metricsFile?: string;
}

export async function checkCommand(args: CheckArgs, ctx: CommandContext): Promise<number> {
  const config = await loadConfigFor(args, ctx);
  const { report } = await performCheck(config, {
    statePath: statePathFor(args, ctx, config),
    dryRun: args.dryRun,
    unlockCommand: unlockCommandFor(args, ctx, config),
    ...(args.concurrency ? { concurrency: args.concurrency } : {}),
    ...(args.metricsFile ? { metricsFile: args.metricsFile } : {}),
  });
  if (args.json) ctx.io.out(reportToJson(report));
  else for (const line of renderRun(report, ctx.io, args.verbose)) ctx.io[line.stream](line.text);
  if (ctx.env.GITHUB_ACTIONS === 'true') for (const a of (await import('../github.js')).emitGithub(report, ctx.env)) ctx.io.out(a);
  return report.exitCode;
}
