import type { Config } from '../config/types.js';
import { findConfigFile, loadConfigFile, type LoadOptions } from '../config/load.js';
import { defaultStatePath } from '../state/store.js';
import type { Io } from './io.js';

/** Options every command accepts. */
export interface GlobalArgs {
  config?: string;
  state?: string;
  verbose: boolean;
  color: boolean;
}

export interface CommandContext {
  io: Io;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Loads the config and says its warnings once, on stderr unless `onWarning` takes them. */
export async function loadConfigFor(args: GlobalArgs, ctx: CommandContext, onWarning?: (text: string) => void, opts?: LoadOptions): Promise<Config> {
  const config = await loadConfigFile(findConfigFile(args.config, ctx.env, ctx.cwd), ctx.env, opts);
  for (const w of config.warnings ?? []) (onWarning ?? ((t) => ctx.io.err(ctx.io.c.yellow(`warning: ${t}`))))(w);
  return config;
}

export function statePathFor(args: GlobalArgs, ctx: CommandContext): string {
  return args.state ?? defaultStatePath(ctx.env);
}
