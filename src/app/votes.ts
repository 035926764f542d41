import type { Provider, RecordRef, WriteItem } from '../../providers/kit/types.js';
import type { RecordConfig, VantageConfig } from '../config/types.js';
import type { Quorum } from '../core/quorum.js';
import type { RecordHistory } from '../core/types.js';
import { encodeVote, judgeVote, voteName, type PeerVote, type Vote } from '../core/votes.js';
import type { ReadResult } from './read-all.js';
import { writeAll } from './write-batcher.js';

/** How far ahead of this machine's clock a peer's vote may be dated and still count. */
const CLOCK_SKEW_S = 60;
/** The TTL of a vote: short, as it changes when a checker's view does. */
const VOTE_TTL = 60;

/** The first 8 hex digits of the SHA-256 of the record's server queue: votes count only among checkers with the same queue. */
export function queueOf(record: RecordConfig): string {
  // Loaded here, not imported: only runs with `vantage:` need node:crypto, and loading it is a noticeable part of a cron run's start-up.
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(record.servers.map((s) => s.address).join(',')).digest('hex').slice(0, 8);
}

/** The TXT records that hold the peers' votes on a record, in peers order (this checker's own among them). */
export function voteRefs(v: VantageConfig, record: RecordConfig): RecordRef[] {
  return v.peers.map((id) => ({ name: voteName(id, record.name, v.zone), type: 'TXT' }));
}

/** What the votes read in this run say: the quorum to decide with, each peer's vote as judged, and this checker's own last vote. */
export interface VotesRead {
  quorum: Quorum;
  peers: PeerVote[];
  own: Vote | undefined;
  warnings: string[];
}

/** Judges the votes read for a record (one read per peer, in peers order; null: not read, as under a hold). */
export function votesOf(v: VantageConfig, record: RecordConfig, reads: ReadResult[] | null, now: Date): VotesRead {
  const nowS = Math.floor(now.getTime() / 1000);
  const rules = { staleAfterS: Math.round(v.staleAfterMs / 1000), skewS: CLOCK_SKEW_S, queue: queueOf(record), servers: record.servers.length };
  const judged = v.peers.map((id, i): PeerVote => {
    // Not read at all: the record's provider, which keeps the votes, is on hold (the record says so).
    if (!reads) return { id, problem: 'not read (the provider is on hold)' };
    const r = reads[i]!;
    return judgeVote(id, r.ok ? (r.value?.values ?? null) : r.error instanceof Error ? r.error : new Error(String(r.error)), rules, nowS);
  });
  const self = judged[v.peers.indexOf(v.id)]!;
  const peers = judged.filter((j) => j.id !== v.id);
  const warnings = peers.filter((p) => p.warn).map((p) => `${record.name}: the vote of ${p.id} does not count: ${p.problem}`);
  return {
    quorum: { needed: v.quorum, peers: peers.flatMap((p) => (p.vote ? [p.vote] : [])), absent: peers.filter((p) => !p.vote).map((p) => `${p.id}: ${p.problem}`) },
    peers: judged,
    own: self.vote,
    warnings,
  };
}

/**
 * This checker's vote on the record after the run, from its own fall/rise history, when it must be
 * written: its view changed, or the stored one is half-way to stale (the heartbeat). Null otherwise.
 */
export function ownVoteWrite(v: VantageConfig, record: RecordConfig, history: RecordHistory, stored: Vote | undefined, read: ReadResult | undefined, now: Date): WriteItem | null {
  const at = Math.floor(now.getTime() / 1000);
  const vote: Vote = { id: v.id, at, queue: queueOf(record), states: record.servers.map((s) => history.servers[s.address]?.state ?? 'unknown') };
  const same = stored && stored.queue === vote.queue && stored.states.join() === vote.states.join() && (at - stored.at) * 1000 < v.staleAfterMs / 2;
  if (same) return null;
  const ref: RecordRef = { name: voteName(v.id, record.name, v.zone), type: 'TXT' };
  const previous = read?.ok ? read.value : null;
  return { ref, req: { values: [encodeVote(vote)], ttl: VOTE_TTL, previous } };
}

/** Sends the votes of a run, batched per provider that keeps them; a vote that cannot be written is a warning (the next run writes it again). */
export async function writeVotes(votes: Array<{ store: string; item: WriteItem }>, providers: Record<string, Provider>): Promise<{ written: Set<WriteItem>; warnings: string[] }> {
  const written = new Set<WriteItem>();
  const warnings: string[] = [];
  await Promise.all(
    [...new Set(votes.map((v) => v.store))].map(async (store) => {
      const items = votes.filter((v) => v.store === store).map((v) => v.item);
      const results = await writeAll(providers[store]!, items);
      results.forEach((r, i) => {
        if (r.ok) written.add(items[i]!);
        else warnings.push(`cannot write this checker's vote ${items[i]!.ref.name}: ${r.error instanceof Error ? r.error.message : String(r.error)}`);
      });
    }),
  );
  return { written, warnings };
}
