import type { Config } from '../config/types.js';
import { findConfigFile, loadConfigFile, type LoadOptions } from '../config/load.js';
import { defaultStatePath } from '../state/store.js';
import type { Io } from './io.js';
import { resolve } from 'node:path';

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

const shellWord = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * The exact `dnsfail unlock NAME` that reaches the same config and state files as this run: with -c
 * when the config was named (--config, $DNSFAIL_CONFIG), with --state when the state path was.
 */
export function unlockCommandFor(args: GlobalArgs, ctx: CommandContext, config: Pick<Config, 'source' | 'statePath'>): (recordName: string) => string {
  const parts: string[] = [];
  if (args.config !== undefined || ctx.env.DNSFAIL_CONFIG) parts.push('-c', shellWord(resolve(ctx.cwd, config.source)));
  if (args.state !== undefined || (ctx.env.DNSFAIL_STATE && !config.statePath)) parts.push('--state', shellWord(resolve(ctx.cwd, statePathFor(args, ctx, config))));
  return (name) => ['dnsfail', 'unlock', shellWord(name), ...parts].join(' ');
}

/** --state, else the config's `state:` key, else the default. */
export function statePathFor(args: GlobalArgs, ctx: CommandContext, config: Pick<Config, 'statePath'> | undefined): string {
  return args.state ?? config?.statePath ?? defaultStatePath(ctx.env);
}
