import { closeProviders, createProviders } from '../../app/providers.js';
import { withRetry } from '../../../providers/kit/retry.js';
import { describeServer } from '../../core/select.js';
import { loadState } from '../../state/store.js';
import { ExitCode } from '../../errors.js';
import { redact } from '../../../providers/kit/redact.js';
import { describeHold, holdApplies, holdKey } from '../../app/holds.js';
import { readAll } from '../../app/read-all.js';
import { voteRefs, votesOf } from '../../app/votes.js';
import type { PeerVote } from '../../core/votes.js';
import { loadConfigFor, statePathFor, unlockCommandFor, type CommandContext, type GlobalArgs } from '../context.js';

export interface StatusArgs extends GlobalArgs {
  json: boolean;
}

/** Each record's current value (read from its provider) and each server's state from the last runs. Probes nothing. */
export async function statusCommand(args: StatusArgs, ctx: CommandContext): Promise<number> {
  const config = await loadConfigFor(args, ctx);
  const statePath = statePathFor(args, ctx, config);
  const { state, warning } = loadState(statePath);
  const { c } = ctx.io;
  if (!args.json) ctx.io.out(c.dim(`state file: ${statePath}`));
  if (warning) ctx.io.err(c.yellow(`warning: ${warning}`));
  const unlock = unlockCommandFor(args, ctx, config);
  const now = new Date();
  const providers = createProviders(config);
  let failed = false;
  const rows = await Promise.all(
    config.records.map(async (r) => {
      const history = state.records[r.key];
      const p = providers[r.provider]!;
      let current: string[] | null = history?.published ?? null;
      let source = p.read ? 'provider' : 'state';
      let error: string | undefined;
      let cname: string | undefined;
      const hold = state.holds?.[holdKey(r.provider, r.key)];
      // During a lockout or backoff the provider is not called, not even to read.
      const held = hold && holdApplies(hold, config.providers[r.provider]!.settings, now) ? describeHold(hold, unlock(r.name)) : undefined;
      if (held) source = 'state (provider on hold)';
      else if (p.read) {
        try {
          const read = await withRetry(() => p.read!({ name: r.name, type: r.type }), { retries: 1 });
          current = read?.values ?? null;
          cname = read?.cname;
        } catch (e) {
          failed = true;
          error = redact((e as Error).message);
          source = 'state (provider read failed)';
        }
      }
      // Several checkers: every peer's vote, read now from where the votes are kept.
      const v = config.vantage;
      const votes = v ? votesOf(v, r, await readAll(providers[v.store ?? r.provider]!, voteRefs(v, r)), now).peers : undefined;
      return { r, history, current, cname, source, error, held, votes };
    }),
  ).finally(() => closeProviders(providers));

  if (args.json) {
    ctx.io.out(
      JSON.stringify(
        {
          statePath,
          records: rows.map(({ r, history, current, cname, source, error, held, votes }) => ({
            name: r.name,
            type: r.type,
            provider: r.provider,
            current,
            currentFrom: source,
            ...(cname !== undefined ? { cname } : {}),
            ...(error ? { error } : {}),
            ...(held ? { hold: held } : {}),
            lastChange: history?.lastChange ?? null,
            ...(votes ? { votes: votes.map(voteJson) } : {}),
            servers: r.servers.map((s) => ({ address: s.address, label: s.label ?? null, ...(history?.servers[s.address] ?? { state: 'unknown' }) })),
          })),
        },
        null,
        2,
      ),
    );
    return failed ? ExitCode.failure : ExitCode.ok;
  }
  for (const { r, history, current, cname, source, error, held, votes } of rows) {
    // Only a read that succeeded can say the record is missing; from the state file, nothing known is unknown.
    const shown = current?.length ? current.join(', ') : cname !== undefined ? `CNAME to ${cname}` : source === 'provider' ? '(missing)' : '(unknown)';
    ctx.io.out(`${c.bold(`${r.name} ${r.type}`)}  ${shown}  ${c.dim(`from ${source}, via ${r.provider}`)}`);
    if (error) ctx.io.err(`  ${c.red('read failed')}: ${error}`);
    if (held) ctx.io.out(`  ${c.yellow('on hold')}: ${held}`);
    if (history?.lastChange) {
      const lc = history.lastChange;
      ctx.io.out(c.dim(`  last change ${lc.at}: ${lc.from.join(', ') || '(missing)'} → ${lc.to.join(', ')} (${lc.reason})`));
    }
    const width = Math.max(...r.servers.map((s) => describeServer(s).length));
    for (const s of r.servers) {
      const h = history?.servers[s.address];
      const st = h?.state ?? 'unknown';
      const stateText = st === 'up' ? c.green('up     ') : st === 'down' ? c.red('down   ') : c.yellow('unknown');
      const active = current?.includes(s.address) ? c.bold('*') : ' ';
      const probe = h?.lastProbeAt
        ? `${h.lastProbeAt}  ${h.failStreak ? c.red(`failed ×${h.failStreak}: ${h.lastError ?? ''}`) : `ok ×${h.okStreak}, ${h.lastLatencyMs}ms`}`
        : c.dim('never probed');
      ctx.io.out(`  ${active} ${stateText} ${describeServer(s).padEnd(width)}  ${probe}`);
    }
    for (const p of votes ?? []) {
      const view = p.vote ? r.servers.map((s, i) => `${describeServer(s)} ${p.vote!.states[i]}`).join(', ') : c.yellow(`not counted: ${p.problem}`);
      ctx.io.out(`  vote of ${c.bold(p.id)}${p.id === config.vantage!.id ? ' (this checker)' : ''}: ${view}${p.ageS !== undefined ? c.dim(` (cast ${p.ageS}s ago)`) : ''}`);
    }
  }
  return failed ? ExitCode.failure : ExitCode.ok;
}

function voteJson(p: PeerVote) {
  return { id: p.id, counted: p.vote !== undefined, ...(p.vote ? { states: p.vote.states } : {}), ...(p.ageS !== undefined ? { ageS: p.ageS } : {}), ...(p.problem ? { problem: p.problem } : {}) };
}
