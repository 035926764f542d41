import { loadConfigFor, type CommandContext, type GlobalArgs } from '../context.js';

/** Config check only: no network, no state. */
export async function validateCommand(args: GlobalArgs, ctx: CommandContext): Promise<number> {
  const config = await loadConfigFor(args, ctx);
  const providers = new Set(config.records.map((r) => r.provider));
  const servers = config.records.reduce((n, r) => n + r.servers.length, 0);
  ctx.io.out(`${ctx.io.c.green('ok')} ${config.source}: ${config.records.length} record(s), ${servers} server(s), ${providers.size} provider(s) in use`);
  if (args.verbose) {
    for (const r of config.records) {
      ctx.io.out(`  ${r.name} ${r.type} via ${r.provider} (${config.providers[r.provider]!.kind}), ${r.strategy}, ttl ${r.ttl}, fall ${r.fall}/rise ${r.rise}, failback ${r.failback}`);
      for (const s of r.servers) ctx.io.out(`    ${s.address}${s.label ? ` (${s.label})` : ''}  ${s.check.type}${'port' in s.check ? `:${s.check.port}` : ''}`);
    }
  }
  return 0;
}
