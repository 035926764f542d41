import { canonicalIp, ipFamily } from '../../providers/kit/ip.js';
import { isInZone, normalizeDnsName } from '../../providers/kit/dns-name.js';
import { finalizeCheck, mergeChecks } from './check.js';
import { parseDuration } from '../../providers/kit/duration.js';
import { quote } from './quote.js';
import type { RawConfig, RawRecord, RawTunables } from './schema.js';
import type { ProviderConfig, RecordConfig, ServerConfig } from './types.js';
import type { PathSegment } from './yaml-source.js';

export interface Problem {
  path: PathSegment[];
  message: string;
}

export const RECORD_DEFAULTS = {
  type: 'A',
  ttl: 60,
  strategy: 'failover',
  onAllDown: 'keep',
  fall: 3,
  rise: 2,
  failback: 'auto',
  fastInterval: '2s',
} as const;

const MAX_FAST_INTERVAL_MS = 60_000;

/** Cross-field rules and defaults: turns a shape-valid config into the Config the engine runs. */
export function resolveRecords(
  raw: RawConfig,
  providers: Record<string, ProviderConfig>,
  /** Every id under providers, valid or not: a record naming an invalid one is not blamed for it. */
  definedIds: string[],
  baseDir: string,
  problems: Problem[],
): RecordConfig[] {
  const records: RecordConfig[] = [];
  const seen = new Map<string, number>();
  raw.records.forEach((rec, i) => {
    const before = problems.length;
    const resolved = resolveRecord(rec, raw.defaults ?? {}, providers, definedIds, baseDir, ['records', i], problems);
    if (!resolved || problems.length > before) return;
    const first = seen.get(resolved.key);
    if (first !== undefined) {
      problems.push({ path: ['records', i, 'name'], message: `duplicates records[${first}] (${resolved.name} ${resolved.type})` });
      return;
    }
    seen.set(resolved.key, i);
    records.push(resolved);
  });
  return records;
}

function resolveRecord(
  rec: RawRecord,
  defaults: RawTunables,
  providers: Record<string, ProviderConfig>,
  definedIds: string[],
  baseDir: string,
  at: PathSegment[],
  problems: Problem[],
): RecordConfig | null {
  const problem = (path: PathSegment[], message: string) => problems.push({ path: [...at, ...path], message });
  const name = normalizeDnsName(rec.name);
  if (!name) problem(['name'], `${quote(rec.name)} is not a fully qualified DNS name`);
  let alias: string | undefined;
  if (rec.alias !== undefined) {
    alias = normalizeDnsName(rec.alias) ?? undefined;
    if (!alias) problem(['alias'], `${quote(rec.alias)} is not a fully qualified DNS name`);
    else if (alias === name) problem(['alias'], 'alias must differ from name: it is the public name that CNAMEs to name');
  }
  const type = rec.type ?? defaults.type ?? RECORD_DEFAULTS.type;
  const family = type === 'A' ? 4 : 6;
  const strategy = rec.strategy ?? defaults.strategy ?? RECORD_DEFAULTS.strategy;
  const max = rec.max ?? defaults.max;
  if (max !== undefined && strategy !== 'all') {
    const where = rec.max !== undefined ? [...at, 'max'] : rec.strategy !== undefined ? [...at, 'strategy'] : ['defaults', 'max'];
    problems.push({ path: where, message: 'max applies only to strategy: all' });
  }

  const providerId = pickProvider(rec, defaults, providers, definedIds, (m) => problem(['provider'], m));
  const provider = providerId ? providers[providerId] : undefined;
  const caps = provider ? provider.factory.capabilities : undefined;
  if (caps && provider) {
    if (type === 'AAAA' && !caps.aaaa) problem(['type'], `provider "${provider.id}" (${provider.kind}) cannot manage AAAA records`);
    const refusal = provider.factory.refusesType?.(type, provider.settings as never);
    if (refusal) problem(['type'], `provider "${provider.id}" (${provider.kind}): ${refusal}`);
    const zone = provider.factory.zoneOf?.(provider.settings as never);
    if (name && zone && !isInZone(name, zone)) problem(['name'], `${name} is not inside zone ${zone} of provider "${provider.id}" (${provider.kind}); use a provider for the zone it is in`);
    if (strategy === 'all' && !caps.multiValue) {
      problem(['strategy'], `provider "${provider.id}" (${provider.kind}) holds one address per record; use strategy: failover`);
    }
  }

  let onAllDown = rec.onAllDown ?? defaults.onAllDown ?? RECORD_DEFAULTS.onAllDown;
  if (onAllDown !== 'keep') {
    const fam = ipFamily(onAllDown);
    const where = rec.onAllDown !== undefined ? [...at, 'onAllDown'] : ['defaults', 'onAllDown'];
    if (fam === null) problems.push({ path: where, message: `${quote(onAllDown)} is neither "keep" nor an IP address (the record is never deleted: keep, or an address to publish)` });
    else if (fam !== family) problems.push({ path: where, message: `${onAllDown} is an IPv${fam} address but the record type is ${type}` });
    else onAllDown = canonicalIp(onAllDown);
  }

  const recordCheck = mergeChecks(defaults.check, rec.check);
  const fastDefault: { text: string; path: PathSegment[] } =
    rec.fastInterval !== undefined
      ? { text: rec.fastInterval, path: ['fastInterval'] }
      : { text: defaults.fastInterval ?? RECORD_DEFAULTS.fastInterval, path: ['defaults', 'fastInterval'] };
  const servers: ServerConfig[] = [];
  const addresses = new Set<string>();
  rec.servers.forEach((s, j) => {
    const entry = typeof s === 'string' ? { address: s } : s;
    const sPath: PathSegment[] = typeof s === 'string' ? ['servers', j] : ['servers', j, 'address'];
    const fam = ipFamily(entry.address.trim());
    if (fam === null) return problem(sPath, `${quote(entry.address)} is not an IP address (servers are IP literals, not host names)`);
    if (fam !== family) return problem(sPath, `${entry.address} is an IPv${fam} address but the record type is ${type}`);
    const address = canonicalIp(entry.address.trim());
    if (addresses.has(address)) return problem(sPath, `${address} is listed twice`);
    addresses.add(address);
    const check = finalizeCheck(mergeChecks(recordCheck, 'check' in entry ? entry.check : undefined), alias ?? name ?? '', baseDir);
    if ('message' in check) {
      const key = check.key ? [check.key] : [];
      if ('check' in entry && entry.check) return problem(['servers', j, 'check', ...key], check.message);
      if (rec.check) return problem(['check', ...key], check.message);
      return problems.push({ path: ['defaults', 'check', ...key], message: check.message });
    }
    const fast = 'fastInterval' in entry && entry.fastInterval !== undefined ? { text: entry.fastInterval, path: ['servers', j, 'fastInterval'] } : fastDefault;
    const fastIntervalMs = parseFastInterval(fast.text);
    if (typeof fastIntervalMs === 'string') return fast.path[0] === 'defaults' ? problems.push({ path: fast.path, message: fastIntervalMs }) : problem(fast.path, fastIntervalMs);
    servers.push({ address, ...('label' in entry && entry.label ? { label: entry.label } : {}), check, fastIntervalMs });
  });

  if (!name || !providerId) return null;
  return {
    key: `${name}/${type}`,
    name,
    ...(alias ? { alias } : {}),
    type,
    provider: providerId,
    ttl: rec.ttl ?? defaults.ttl ?? RECORD_DEFAULTS.ttl,
    strategy,
    ...(max !== undefined ? { max } : {}),
    fall: rec.fall ?? defaults.fall ?? RECORD_DEFAULTS.fall,
    rise: rec.rise ?? defaults.rise ?? RECORD_DEFAULTS.rise,
    failback: rec.failback ?? defaults.failback ?? RECORD_DEFAULTS.failback,
    onAllDown,
    servers,
  };
}

/** "off" → 0 (no confirming probes); a duration → ms; or the problem with it. */
function parseFastInterval(text: string): number | string {
  if (text === 'off') return 0;
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) return 'fastInterval must be greater than 0 (write off to turn confirming probes off)';
  if (ms > MAX_FAST_INTERVAL_MS) return 'fastInterval must be at most 1m (it is the gap between probes inside one run)';
  return ms;
}

function pickProvider(
  rec: RawRecord,
  defaults: RawTunables,
  providers: Record<string, ProviderConfig>,
  definedIds: string[],
  problem: (m: string) => void,
): string | null {
  const ids = definedIds;
  const id = rec.provider ?? defaults.provider;
  if (id === undefined) {
    if (ids.length === 1) return ids[0]! in providers ? ids[0]! : null;
    problem(`no provider given; set provider to one of: ${ids.join(', ') || '(none defined under providers)'}`);
    return null;
  }
  if (ids.includes(id) && !(id in providers)) return null; // its own problem is already reported
  if (!(id in providers)) {
    problem(`provider "${id}" is not defined under providers${ids.length ? ` (defined: ${ids.join(', ')})` : ''}`);
    return null;
  }
  return id;
}
