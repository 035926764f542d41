import type { ServerState } from './types.js';

/**
 * A checker's vote: its own view of each server of one record (from its own fall/rise history), kept
 * in a TXT record that only it writes, so that several checkers decide from the same facts.
 *
 *   v=dnsfail1 id=home at=1764900000 q=1a2b3c4d s=UD?
 *
 * `s` holds one letter per server in queue order (U up, D down, ? unknown) and `q` the first 8 hex
 * digits of the SHA-256 of the queue: a checker with another server list is not counted.
 */
export interface Vote {
  id: string;
  /** When it was cast, in seconds since the epoch. */
  at: number;
  queue: string;
  states: ServerState[];
}

const LETTER: Record<ServerState, string> = { up: 'U', down: 'D', unknown: '?' };
const STATE: Record<string, ServerState> = { U: 'up', D: 'down', '?': 'unknown' };
export const VANTAGE_ID_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Where `id`'s vote on a record is kept: `<id>._dnsfail.<record>`, under `suffix` when votes live in a zone of their own. */
export function voteName(id: string, record: string, suffix?: string): string {
  return suffix ? `${id}._dnsfail.${record}.${suffix}` : `${id}._dnsfail.${record}`;
}

export function encodeVote(v: Vote): string {
  return `v=dnsfail1 id=${v.id} at=${v.at} q=${v.queue} s=${v.states.map((s) => LETTER[s]).join('')}`;
}

/** The vote in a TXT text, or why it is not one. */
export function parseVote(text: string): Vote | { problem: string } {
  const fields = new Map<string, string>();
  for (const part of text.trim().split(/\s+/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { problem: `not a dnsfail vote (${JSON.stringify(text.slice(0, 40))})` };
    fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  if (fields.get('v') !== 'dnsfail1') return { problem: `not a dnsfail1 vote (${JSON.stringify(text.slice(0, 40))})` };
  const id = fields.get('id') ?? '';
  const at = Number(fields.get('at'));
  const queue = fields.get('q') ?? '';
  const s = fields.get('s') ?? '';
  if (!VANTAGE_ID_RE.test(id)) return { problem: 'malformed vote: id' };
  if (!Number.isSafeInteger(at) || at <= 0) return { problem: 'malformed vote: at' };
  if (!/^[0-9a-f]{8}$/.test(queue)) return { problem: 'malformed vote: q' };
  if (!/^[UD?]+$/.test(s)) return { problem: 'malformed vote: s' };
  return { id, at, queue, states: [...s].map((c) => STATE[c]!) };
}

/** What one peer's vote counts for in this run. */
export interface PeerVote {
  id: string;
  /** Counted: fresh, well-formed, for this server queue. */
  vote?: Vote;
  /** Seconds since it was cast (when there is a vote with a readable time). */
  ageS?: number;
  /** Why it does not count: missing, stale, from the future, malformed, another queue, unreadable. */
  problem?: string;
  /** The problem deserves a warning (not merely missing or stale). */
  warn?: boolean;
}

export interface VoteRules {
  staleAfterS: number;
  /** How far in the future a vote may be dated (clocks differ) and still count. */
  skewS: number;
  queue: string;
  servers: number;
}

/**
 * Each peer's vote as read (the TXT values, null when there is none, an Error when the read failed),
 * judged: only a fresh, well-formed vote for the same server queue counts.
 */
export function judgeVote(id: string, read: string[] | null | Error, rules: VoteRules, nowS: number): PeerVote {
  if (read instanceof Error) return { id, problem: `cannot read its vote: ${read.message}`, warn: true };
  if (!read || read.length === 0) return { id, problem: 'no vote' };
  if (read.length > 1) return { id, problem: `${read.length} TXT records where one vote belongs`, warn: true };
  const v = parseVote(read[0]!);
  if ('problem' in v) return { id, problem: v.problem, warn: true };
  const ageS = nowS - v.at;
  if (v.id !== id) return { id, ageS, problem: `the vote under ${id}'s name says id=${v.id}`, warn: true };
  if (-ageS > rules.skewS) return { id, ageS, problem: `dated ${-ageS}s in the future (more than the ${rules.skewS}s clocks may differ)`, warn: true };
  if (ageS > rules.staleAfterS) return { id, ageS, problem: `stale (cast ${ageS}s ago)` };
  if (v.queue !== rules.queue || v.states.length !== rules.servers) return { id, ageS, problem: 'cast for another server list (its config differs)', warn: true };
  return { id, ageS, vote: v };
}
