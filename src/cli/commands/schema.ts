import { z } from 'zod';
import { buildConfigSchema } from '../../config/schema.js';
import type { CommandContext } from '../context.js';

/** The JSON Schema of the config, generated from the validator's own schema. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(buildConfigSchema('json-schema'), { unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'dnsfail configuration' };
}

export function schemaCommand(ctx: CommandContext): number {
  ctx.io.out(JSON.stringify(configJsonSchema(), null, 2));
  return 0;
}
