import type { Config } from '../config/types.js';
import { findConfigFile, loadConfigFile } from '../config/load.js';
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

export function loadConfigFor(args: GlobalArgs, ctx: CommandContext): Promise<Config> {
  return loadConfigFile(findConfigFile(args.config, ctx.env, ctx.cwd), ctx.env);
}

export function statePathFor(args: GlobalArgs, ctx: CommandContext): string {
  return args.state ?? defaultStatePath(ctx.env);
}
