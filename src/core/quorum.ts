import type { ServerState, ServerView } from './types.js';
import type { Vote } from './votes.js';

/** The votes of a run: the fresh, counted votes of the other checkers, and how many must agree. */
export interface Quorum {
  /** Votes (this checker's own included) that must say a server is down before it counts down. */
  needed: number;
  /** The other peers' counted votes, each a state per server in queue order. */
  peers: readonly Vote[];
  /** Why each other peer's vote does not count ("gh (stale: cast 700s ago)"), for messages. */
  absent: readonly string[];
}

/** Votes this run counts: the peers' fresh ones and this checker's own. */
export const freshVotes = (q: Quorum): number => q.peers.length + 1;

/**
 * Each server as the checkers see it together: down when at least `needed` votes (this checker's
 * own view included) say so; otherwise up, unless no vote has seen it at all. A server one checker
 * alone cannot reach stays up for everyone, so a partition around one checker moves nothing.
 */
export function applyQuorum(views: readonly ServerView[], q: Quorum): ServerView[] {
  return views.map((v, i) => {
    const peerStates = q.peers.map((p) => p.states[i]!);
    const down = peerStates.filter((s) => s === 'down').length + (v.state === 'down' ? 1 : 0);
    const up = peerStates.filter((s) => s === 'up').length + (v.state === 'up' ? 1 : 0);
    const state: ServerState = down >= q.needed ? 'down' : v.state === 'unknown' && up === 0 ? 'unknown' : 'up';
    return { ...v, state, votes: { own: v.state, down, up } };
  });
}
