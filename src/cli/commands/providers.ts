import { builtinProviderFactories } from '../../../providers/index.js';
import type { Capabilities } from '../../../providers/kit/types.js';
import type { CommandContext } from '../context.js';

const COLUMNS: Array<[keyof Capabilities, string]> = [
  ['read', 'read'],
  ['multiValue', 'multi-value'],
  ['aaaa', 'AAAA'],
  ['ttl', 'TTL'],
  ['compareAndSet', 'compare-and-set'],
  ['batch', 'batch'],
  ['txt', 'votes (TXT)'],
];

/** `dnsfail providers`: the built-in kinds and what each can do. */
export async function providersCommand(args: { json: boolean }, ctx: CommandContext): Promise<number> {
  const factories = await builtinProviderFactories();
  if (args.json) {
    ctx.io.out(JSON.stringify(factories.map((f) => ({ kind: f.kind, description: f.description, capabilities: { ...f.capabilities, txt: f.capabilities.txt ?? false } })), null, 2));
    return 0;
  }
  const { c } = ctx.io;
  const kindWidth = Math.max(4, ...factories.map((f) => f.kind.length));
  ctx.io.out(c.bold(['kind'.padEnd(kindWidth), ...COLUMNS.map(([, h]) => h)].join('  ')));
  for (const f of factories) {
    const cells = COLUMNS.map(([k, h]) => (f.capabilities[k] ? c.green : c.dim)((f.capabilities[k] ? 'yes' : 'no').padEnd(h.length)));
    ctx.io.out([f.kind.padEnd(kindWidth), ...cells].join('  ') + `  ${c.dim(f.description)}`);
  }
  ctx.io.out(c.dim('Third-party providers: type: ./path/to/provider.js, or an installed dnsfail-provider-<name> package (see providers/README.md).'));
  return 0;
}
