import type { Resolver } from 'node:dns/promises';
import { withRetry } from '../../../providers/kit/retry.js';
import { closeProviders, createProviders } from '../../app/providers.js';
import { clampedTtlNote, storedTtl } from '../../app/stored-ttl.js';
import type { RecordConfig, VantageConfig } from '../../config/types.js';
import { readAll } from '../../app/read-all.js';
import { voteRefs, votesOf } from '../../app/votes.js';
import { parseDuration, formatDuration } from '../../../providers/kit/duration.js';
import { authoritativeServers, createResolver, enclosingZone, queryAddresses, queryCnameOrAbsence } from '../../../providers/kit/dns-query.js';
import { ConfigError, ExitCode } from '../../errors.js';
import { ProviderError } from '../../../providers/kit/errors.js';
import type { Provider } from '../../../providers/kit/types.js';
import { redact } from '../../../providers/kit/redact.js';
import { loadState } from '../../state/store.js';
import { loadConfigFor, statePathFor, type CommandContext, type GlobalArgs } from '../context.js';

export interface DoctorArgs extends GlobalArgs {
  /** DNS server to ask instead of the alias zone's authoritative servers ("IP[:port]"). */
  resolver?: string;
  /** How often checks run (the cron or watch interval), for the TTL advice. */
  interval: string;
}

/** Checks a setup before the user trusts it. Exit 0 only when everything holds; each problem comes with its fix. */
export async function doctorCommand(args: DoctorArgs, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const { c } = io;
  const intervalMs = parseDuration(args.interval);
  if (intervalMs === null) throw new ConfigError(`--interval "${args.interval}" is not a duration such as 30s or 1m`);
  let problems = 0;
  const ok = (text: string) => io.out(`  ${c.green('✔')} ${text}`);
  const bad = (text: string, fix: string) => {
    problems++;
    io.out(`  ${c.red('✘')} ${text}`);
    io.out(`    ${c.dim('fix:')} ${fix}`);
  };

  const config = await loadConfigFor(args, ctx);
  io.out(`${c.green('✔')} config ${config.source} is valid: ${config.records.length} record(s)`);
  const { state } = loadState(statePathFor(args, ctx, config));
  const providers = createProviders(config);
  const resolverFor = async (name: string): Promise<{ r: Resolver; via: string } | null> => {
    if (args.resolver) return { r: createResolver([args.resolver]), via: args.resolver };
    const servers = await authoritativeServers(name);
    return servers.length ? { r: createResolver(servers), via: `${servers[0]} (authoritative)` } : null;
  };

  try {
    for (const record of config.records) {
      io.out(c.bold(`${record.name} ${record.type}`) + c.dim(` via ${record.provider} (${config.providers[record.provider]!.kind})`));
      const provider = providers[record.provider]!;
      let current: string[] | null = null;
      let ttl: number | undefined;
      if (provider.read) {
        try {
          const rec = await withRetry(() => provider.read!({ name: record.name, type: record.type }), { retries: 1 });
          ok(`credentials work: the provider answered a read`);
          if (rec?.cname) {
            // The newcomer's mistake: `name:` is the public name, which is a CNAME. dnsfail refuses to touch it.
            bad(`${record.name} is a CNAME to ${rec.cname}: set \`name:\` to ${rec.cname} and \`alias:\` to ${record.name}`, `in ${config.source}, set name: ${rec.cname} and alias: ${record.name} on this record`);
            continue;
          }
          if (rec) {
            current = rec.values;
            ttl = rec.ttl;
            ok(`the record exists: ${rec.values.join(', ')}${rec.ttl !== undefined ? ` (TTL ${rec.ttl})` : ''}`);
          } else bad('the record does not exist yet', 'run `dnsfail check` once: it creates the record');
        } catch (e) {
          bad(`the provider read failed: ${redact((e as Error).message)}`, fixFor(e));
        }
      } else {
        const found = await resolverFor(record.name).catch(() => null);
        const rec = found ? await queryAddresses(found.r, record.name, record.type).catch(() => null) : null;
        if (rec) {
          current = rec.values;
          ok(`the record answers in DNS: ${rec.values.join(', ')} (asked ${found!.via}; this provider cannot be read, credentials are tested on the first write)`);
        } else bad('the record does not answer in DNS', 'run `dnsfail check` once, and make sure the name exists at the provider');
      }

      if (provider.checkWrite) {
        try {
          await withRetry(() => provider.checkWrite!({ name: record.name, type: record.type }), { retries: 1 });
          ok('the credentials may update this record');
        } catch (e) {
          bad(`the credentials may not update this record: ${redact((e as Error).message)}`, fixFor(e));
        }
      }
      const foreign = (current ?? []).filter((v) => !record.servers.some((s) => s.address === v));
      if (foreign.length) {
        bad(`the record holds ${foreign.join(', ')}, which is not in the server queue (a hand edit or another tool)`, 'add it to servers: if it is one of yours, or run `dnsfail check`: it replaces it with a healthy server');
      }

      if (config.vantage) await checkVotes(config.vantage, record, providers, ok, bad);

      const aliasHolds = record.alias ? await checkAlias(record, resolverFor, provider, ok, bad) : true;

      if (record.ttl * 1000 > record.fall * intervalMs) {
        bad(
          `TTL ${record.ttl}s is longer than fall × interval (${record.fall} × ${formatDuration(intervalMs)}): resolvers may keep a dead server for ${record.ttl}s after dnsfail moved the record`,
          `set ttl: ${Math.max(30, Math.floor((record.fall * intervalMs) / 1000))} (or lower) on this record`,
        );
      } else ok(`TTL ${record.ttl}s fits fall × interval (${record.fall} × ${formatDuration(intervalMs)})`);
      const wantedTtl = storedTtl(config, record);
      const clamped = clampedTtlNote(config, record);
      if (clamped) io.out(`    ${c.dim(`note: ${clamped}`)}`);
      if (ttl !== undefined && ttl !== wantedTtl) bad(`the record has TTL ${ttl}, the config says ${wantedTtl}`, 'run dnsfail check: it corrects the TTL');

      // A chain through an alias that does not hold would be a drawing of something that is not there.
      if (aliasHolds) io.out(`  ${drawChain(record, current, state.records[record.key]?.servers ?? {})}`);
    }
  } finally {
    await closeProviders(providers);
  }
  io.out(problems ? c.red(`${problems} problem(s) found`) : c.green('everything holds'));
  return problems ? ExitCode.failure : ExitCode.ok;
}

/** Several checkers: every peer has a fresh vote that counts (else a dead or misconfigured checker, or one that never ran). */
async function checkVotes(v: VantageConfig, record: RecordConfig, providers: Record<string, Provider>, ok: (text: string) => void, bad: (text: string, fix: string) => void): Promise<void> {
  const { peers } = votesOf(v, record, await readAll(providers[v.store ?? record.provider]!, voteRefs(v, record)), new Date());
  for (const p of peers) {
    if (p.vote) ok(`the vote of ${p.id} counts (cast ${p.ageS}s ago)`);
    else if (p.id === v.id && p.problem === 'no vote') bad(`this checker (${p.id}) has not voted yet`, 'run `dnsfail check` once on this machine');
    else bad(`the vote of ${p.id} does not count: ${p.problem}`, `check that the checker ${p.id} runs (more often than staleAfter) with DNSFAIL_VANTAGE=${p.id} and the same servers as here`);
  }
}

async function checkAlias(
  record: RecordConfig,
  resolverFor: (name: string) => Promise<{ r: Resolver; via: string } | null>,
  provider: Provider,
  ok: (t: string) => void,
  bad: (t: string, fix: string) => void,
): Promise<boolean> {
  const alias = record.alias!;
  // No authoritative server answers: the provider may hold the alias's zone and read it.
  // Returns whether the alias holds, or null when the provider cannot tell (then the DNS problem is reported).
  const throughProvider = async (): Promise<boolean | null> => {
    const cname = provider.read ? (await provider.read({ name: alias, type: record.type }).catch(() => null))?.cname : undefined;
    if (cname === undefined) return null;
    if (cname === record.name) ok(`${alias} is a CNAME to ${record.name} (read through the provider; no DNS server answered)`);
    else bad(`${alias} is a CNAME to ${cname}, not to ${record.name} (read through the provider)`, `point it at the managed record: ${alias}. CNAME ${record.name}.`);
    return cname === record.name;
  };
  const found = await resolverFor(alias).catch(() => null);
  if (!found) {
    const viaProvider = await throughProvider();
    if (viaProvider !== null) return viaProvider;
    bad(`cannot find the authoritative servers of ${alias}`, 'pass --resolver IP[:port] of a server that serves the alias zone');
    return false;
  }
  try {
    const target = await queryCnameOrAbsence(found.r, alias);
    if (target === record.name) {
      ok(`${alias} is a CNAME to ${record.name} (asked ${found.via})`);
      return true;
    }
    if (target !== 'nxdomain' && target !== 'nodata') {
      bad(`${alias} is a CNAME to ${target}, not to ${record.name} (asked ${found.via})`, `point it at the managed record: ${alias}. CNAME ${record.name}.`);
      return false;
    }
    const zone = await enclosingZone(found.r, alias);
    const where = zone ? `in the ${zone} zone` : `in the zone that holds ${alias}`;
    bad(`${alias} ${target === 'nxdomain' ? 'does not exist' : 'is not a CNAME'} (asked ${found.via})`, `add ${alias}. CNAME ${record.name}. ${where}`);
  } catch (e) {
    const viaProvider = await throughProvider();
    if (viaProvider !== null) return viaProvider;
    bad(`the DNS query for ${alias} failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (asked ${found.via})`, 'check that the server answers, or pass --resolver');
  }
  return false;
}

/** The fix for a provider error, by its kind. */
function fixFor(e: unknown): string {
  const kind = e instanceof ProviderError ? e.kind : undefined;
  if (kind === 'auth' || kind === 'lockout') return 'check the credentials and their permissions: the key must be allowed to edit this record (its zone)';
  if (kind === 'rate-limited') return 'wait and run doctor again: the provider asked to slow down';
  if (kind === 'transient') return 'the provider did not answer in time; check the endpoint and the network, then run doctor again';
  const message = e instanceof Error ? e.message : '';
  if (/is not inside zone|outside the zone/i.test(message)) return 'the record name must end in the zone: fix name: on the record, or zone: in the provider config';
  if (/no zone|zone .*not found|unknown zone|NXDOMAIN/i.test(message)) return 'check the spelling of the zone (zone: in the provider config) and that the account holds it';
  return 'check the provider config (zone, endpoint) and the record name against what the provider holds';
}

function drawChain(record: RecordConfig, current: string[] | null, servers: Record<string, { state: string }>): string {
  const head = record.alias ? `${record.alias} → CNAME → ${record.name}` : record.name;
  if (!current?.length) return `${head} → (no ${record.type} record)`;
  const parts = current.map((v) => {
    const idx = record.servers.findIndex((s) => s.address === v);
    if (idx < 0) return `${v} (not in the server queue)`;
    const s = record.servers[idx]!;
    return `${v} (server ${idx + 1} of ${record.servers.length}${s.label ? `, ${s.label}` : ''}, ${servers[v]?.state ?? 'not probed yet'})`;
  });
  return `${head} → ${record.type} ${parts.join(', ')}`;
}
