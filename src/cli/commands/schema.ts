import * as z from 'zod/mini';
import { builtinProviderFactories } from '../../../providers/index.js';
import { buildConfigSchema } from '../../config/schema.js';
import type { CommandContext } from '../context.js';

/** The JSON Schema of the config, generated from the validator's own schema. */
export async function configJsonSchema(): Promise<Record<string, unknown>> {
  const schema = z.toJSONSchema(buildConfigSchema(await builtinProviderFactories()), { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  return { ...schema, title: 'dnsfail configuration' };
}

export async function schemaCommand(ctx: CommandContext): Promise<number> {
  ctx.io.out(JSON.stringify(await configJsonSchema(), null, 2));
  return 0;
}
