import { acquireLock } from '../../state/lock.js';
import { loadState, saveState } from '../../state/store.js';
import { DEFAULT_LOCK_WAIT_MS } from '../../app/check.js';
import { describeHold } from '../../app/holds.js';
import { ConfigError } from '../../errors.js';
import { existsSync } from 'node:fs';
import { configCandidates } from '../../config/load.js';
import { bareName } from '../../../providers/kit/records.js';
import { loadConfigFor, statePathFor, type CommandContext, type GlobalArgs } from '../context.js';

export interface UnlockArgs extends GlobalArgs {
  record?: string;
}

/** Lifts provider lockouts and backoffs (all, or those of one record name) so the next run calls the provider again. */
export async function unlockCommand(args: UnlockArgs, ctx: CommandContext): Promise<number> {
  // With --state and no config anywhere, unlock still works on that file (it cannot check the name then).
  const noConfig = args.state !== undefined && args.config === undefined && !configCandidates(ctx.env, ctx.cwd).some((p) => existsSync(p));
  const config = noConfig ? undefined : await loadConfigFor(args, ctx);
  const wanted = args.record === undefined ? undefined : bareName(args.record);
  if (config && wanted && !config.records.some((r) => r.name === wanted)) {
    throw new ConfigError(`${wanted} is not a record in ${config.source}`, { hint: `configured: ${[...new Set(config.records.map((r) => r.name))].join(', ')}` });
  }
  const statePath = statePathFor(args, ctx, config);
  ctx.io.out(ctx.io.c.dim(`state file: ${statePath}`));
  const lock = await acquireLock(`${statePath}.lock`, DEFAULT_LOCK_WAIT_MS);
  try {
    const { state } = loadState(statePath);
    const holds = state.holds ?? {};
    const lifted = Object.keys(holds).filter((k) => !wanted || k.split('/')[1] === wanted);
    if (lifted.length === 0) {
      ctx.io.out(wanted ? `no lockout or backoff for ${wanted}` : 'no lockouts or backoffs');
      return 0;
    }
    for (const k of lifted) {
      ctx.io.out(`lifted ${k}: ${describeHold(holds[k]!)}`);
      delete holds[k];
    }
    saveState(statePath, { ...state, holds }, new Date());
    return 0;
  } finally {
    lock.release();
  }
}
