import { clampedTtlNote } from '../../app/stored-ttl.js';
import { loadConfigFor, type CommandContext, type GlobalArgs } from '../context.js';

/**
 * Config check only: no network, no state. --offline checks a config where its secrets are not
 * available (a pull request's CI): unset ${VAR}s and missing secret files are listed, not refused.
 */
export async function validateCommand(args: GlobalArgs & { offline?: boolean }, ctx: CommandContext): Promise<number> {
  const config = await loadConfigFor(args, ctx, undefined, { offline: Boolean(args.offline) });
  const providers = new Set(config.records.map((r) => r.provider));
  const servers = config.records.reduce((n, r) => n + r.servers.length, 0);
  const unchecked = config.unchecked ?? [];
  if (unchecked.length) {
    // Records holding an unknown value are left out of config.records, so no counts here.
    ctx.io.out(`${ctx.io.c.green('ok')} ${config.source} (offline): valid, apart from ${unchecked.length} value(s) from the environment or secret files that are not here to check:`);
    for (const line of unchecked) ctx.io.out(`  ${line}`);
  } else {
    ctx.io.out(`${ctx.io.c.green('ok')} ${config.source}: ${config.records.length} record(s), ${servers} server(s), ${providers.size} provider(s) in use`);
  }
  for (const r of config.records) {
    const note = clampedTtlNote(config, r);
    if (note) ctx.io.out(`  ${ctx.io.c.dim('note:')} ${note}`);
  }
  if (args.verbose) {
    for (const r of config.records) {
      ctx.io.out(`  ${r.name} ${r.type} via ${r.provider} (${config.providers[r.provider]!.kind}), ${r.strategy}, ttl ${r.ttl}, fall ${r.fall}/rise ${r.rise}, failback ${r.failback}`);
      for (const s of r.servers) ctx.io.out(`    ${s.address}${s.label ? ` (${s.label})` : ''}  ${s.check.type}${'port' in s.check ? `:${s.check.port}` : ''}`);
    }
  }
  return 0;
}
