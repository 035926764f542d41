import { hostname } from 'node:os';
import { isInZone, normalizeDnsName } from '../../providers/kit/dns-name.js';
import { parseDuration } from '../../providers/kit/duration.js';
import { VANTAGE_ID_RE, voteName } from '../core/votes.js';
import { quote } from './quote.js';
import type { Problem } from './resolve.js';
import type { RawConfig } from './schema.js';
import type { ProviderConfig, RecordConfig, VantageConfig } from './types.js';

const DEFAULT_STALE_AFTER_MS = 10 * 60_000;
const MIN_STALE_AFTER_MS = 30_000;

/** This machine's name as a vantage id: the host name's first label, lower case, other characters as "-". */
export function hostVantageId(host = hostname()): string {
  return host.split('.')[0]!.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
}

/**
 * `vantage:`, the checkers that share the records: their ids, the quorum, where votes are kept.
 * Every record's votes need a provider that reads and writes TXT (the record's own, or `store`).
 */
export function resolveVantage(raw: RawConfig, providers: Record<string, ProviderConfig>, records: RecordConfig[], problems: Problem[], host = hostname()): VantageConfig | undefined {
  const v = raw.vantage;
  if (!v) return undefined;
  const problem = (key: string | number, message: string, ...more: Array<string | number>) => problems.push({ path: ['vantage', key, ...more], message });
  const before = problems.length;
  const peers = v.peers.map((p) => p.trim().toLowerCase());
  peers.forEach((p, i) => {
    if (!VANTAGE_ID_RE.test(p)) problem('peers', `${quote(v.peers[i]!)} is not a vantage id (lower-case letters, digits and -, as in a DNS label)`, i);
    else if (peers.indexOf(p) !== i) problem('peers', `${p} is listed twice`, i);
  });
  const id = v.id?.trim() ? v.id.trim().toLowerCase() : hostVantageId(host);
  const idFrom = v.id?.trim() ? 'vantage.id' : `this machine's host name (${quote(host)})`;
  if (!peers.includes(id)) problem('id', `${idFrom} gives the id ${quote(id)}, which is not in vantage.peers (${peers.join(', ')}); set id (e.g. id: \${DNSFAIL_VANTAGE}) to this checker's entry`);
  const quorum = v.quorum ?? Math.floor(peers.length / 2) + 1;
  if (quorum > peers.length) problem('quorum', `${quorum} is more than the ${peers.length} peers could ever vote`);
  const staleAfterMs = v.staleAfter === undefined ? DEFAULT_STALE_AFTER_MS : (parseDuration(v.staleAfter) ?? 0);
  if (staleAfterMs < MIN_STALE_AFTER_MS) problem('staleAfter', 'must be at least 30s (and longer than the time between two runs of a checker)');
  let zone: string | undefined;
  if (v.zone !== undefined) {
    zone = normalizeDnsName(v.zone) ?? undefined;
    if (!zone) problem('zone', `${quote(v.zone)} is not a DNS name`);
  }

  const canHoldVotes = (p: ProviderConfig) => Boolean(p.factory.capabilities.txt && p.factory.capabilities.read);
  if (v.store !== undefined) {
    const store = providers[v.store];
    if (!store) problem('store', `provider "${v.store}" is not defined under providers (defined: ${Object.keys(providers).join(', ')})`);
    else if (!canHoldVotes(store)) problem('store', `provider "${store.id}" (${store.kind}) cannot hold votes: it cannot read and write TXT records`);
  } else {
    const unable = [...new Set(records.map((r) => r.provider))].map((id) => providers[id]!).filter((p) => !canHoldVotes(p));
    for (const p of unable) {
      problem('store', `records on provider "${p.id}" (${p.kind}) need somewhere to keep votes: ${p.kind} cannot read and write TXT records; set vantage.store to a provider that can`);
    }
  }
  // A store limited to one zone must hold every vote name: say which suffix puts them there.
  for (const r of problems.length > before ? [] : records) {
    const store = providers[v.store ?? r.provider]!;
    const storeZone = store.factory.zoneOf?.(store.settings as never);
    const name = voteName(id, r.name, zone);
    if (storeZone && !isInZone(name, storeZone)) {
      problem(zone ? 'zone' : 'store', `votes on ${r.name} would be named ${name}, outside zone ${storeZone} of provider "${store.id}" (${store.kind}); set vantage.zone: ${storeZone}`);
      break;
    }
  }
  if (problems.length > before) return undefined;
  return { id, peers, quorum, staleAfterMs, ...(v.store !== undefined ? { store: v.store } : {}), ...(zone ? { zone } : {}) };
}
