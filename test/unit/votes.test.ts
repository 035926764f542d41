import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Quorum } from '../../src/core/quorum.js';
import { decideRecord } from '../../src/core/select.js';
import type { Observation, RecordHistory, RecordPolicy, ServerState } from '../../src/core/types.js';
import { encodeVote, judgeVote, parseVote, voteName, type Vote, type VoteRules } from '../../src/core/votes.js';

const A = '192.0.2.10';
const B = '192.0.2.20';
const NOW = new Date('2026-12-05T00:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const RULES: VoteRules = { staleAfterS: 600, skewS: 60, queue: '1a2b3c4d', servers: 2 };
const vote = (id: string, states: ServerState[], ageS = 30): Vote => ({ id, at: NOW_S - ageS, queue: RULES.queue, states });

describe('votes: the TXT text', () => {
  it('round-trips, and names the TXT record <id>._dnsfail.<record>', () => {
    const v = vote('gh-actions', ['up', 'down']);
    assert.equal(encodeVote(v), `v=dnsfail1 id=gh-actions at=${NOW_S - 30} q=1a2b3c4d s=UD`);
    assert.deepEqual(parseVote(encodeVote(v)), v);
    assert.deepEqual(parseVote(encodeVote({ ...v, states: ['unknown', 'up'] })), { ...v, states: ['unknown', 'up'] });
    assert.equal(voteName('home', 'app.example.com'), 'home._dnsfail.app.example.com');
    assert.equal(voteName('home', 'app.example.com', 'votes.example.net'), 'home._dnsfail.app.example.com.votes.example.net');
  });

  it('a malformed text is a problem, never a crash', () => {
    for (const text of ['', 'hello world', 'v=spf1 -all', 'v=dnsfail1 id=home at=x q=1a2b3c4d s=UD', 'v=dnsfail1 id=Home! at=1 q=1a2b3c4d s=UD', 'v=dnsfail1 id=home at=1 q=zz s=UD', 'v=dnsfail1 id=home at=1 q=1a2b3c4d s=UX', 'v=dnsfail2 id=home at=1 q=1a2b3c4d s=U']) {
      const r = parseVote(text);
      assert.ok('problem' in r, text);
    }
  });
});

describe('votes: which count', () => {
  const text = (v: Vote) => [encodeVote(v)];
  it('a fresh vote for the same queue counts', () => {
    assert.deepEqual(judgeVote('gh', text(vote('gh', ['up', 'down'])), RULES, NOW_S).vote?.states, ['up', 'down']);
  });
  it('missing and stale votes do not count, quietly', () => {
    assert.deepEqual(judgeVote('gh', null, RULES, NOW_S), { id: 'gh', problem: 'no vote' });
    const stale = judgeVote('gh', text(vote('gh', ['up', 'up'], 601)), RULES, NOW_S);
    assert.equal(stale.vote, undefined);
    assert.match(stale.problem!, /stale/);
    assert.equal(stale.warn, undefined);
  });
  it('malformed, misnamed, future-dated, other-queue, several-record and unreadable votes do not count, with a warning', () => {
    const cases: Array<[string[] | Error, RegExp]> = [
      [['garbage'], /not a dnsfail vote/],
      [text(vote('k8s', ['up', 'up'])), /says id=k8s/],
      [text(vote('gh', ['up', 'up'], -61)), /61s in the future/],
      [text({ ...vote('gh', ['up', 'up']), queue: 'ffffffff' }), /another server list/],
      [text(vote('gh', ['up'])), /another server list/],
      [[...text(vote('gh', ['up', 'up'])), 'x'], /2 TXT records/],
      [new Error('HTTP 503'), /cannot read its vote: HTTP 503/],
    ];
    for (const [read, why] of cases) {
      const j = judgeVote('gh', read, RULES, NOW_S);
      assert.equal(j.vote, undefined);
      assert.match(j.problem!, why);
      assert.equal(j.warn, true);
    }
    // Within the skew allowance a vote from a clock that runs ahead counts.
    assert.ok(judgeVote('gh', text(vote('gh', ['up', 'up'], -59)), RULES, NOW_S).vote);
  });
});

describe('decideRecord with a quorum (several checkers)', () => {
  const policy: RecordPolicy = { name: 'app.example.test', type: 'A', strategy: 'failover', fall: 1, rise: 1, failback: 'auto', onAllDown: 'keep', servers: [{ address: A, label: 'primary' }, { address: B, label: 'backup' }] };
  const seen = (a: boolean, b: boolean): Observation[] => [
    { address: A, healthy: a, latencyMs: 1, ...(a ? {} : { error: 'timeout' }) },
    { address: B, healthy: b, latencyMs: 1 },
  ];
  const upBefore: RecordHistory = { servers: { [A]: { state: 'up', okStreak: 5, failStreak: 0 }, [B]: { state: 'up', okStreak: 5, failStreak: 0 } } };
  const q = (peers: Vote[], needed = 2, absent: string[] = []): Quorum => ({ needed, peers, absent });

  it('a checker that alone cannot reach the primary changes nothing: one vote is not a quorum', () => {
    const d = decideRecord(policy, upBefore, seen(false, true), [A], NOW, { quorum: q([vote('gh', ['up', 'up']), vote('k8s', ['up', 'up'])]) });
    assert.equal(d.outcome, 'in-sync');
    assert.deepEqual(d.desired, [A]);
    assert.equal(d.next.servers[A]!.state, 'down', 'its own view, which its vote will carry, is down');
    assert.equal(d.servers[0]!.state, 'up');
    assert.deepEqual(d.servers[0]!.votes, { own: 'down', down: 1, up: 2 });
    assert.match(d.reason, /this checker counts 192\.0\.2\.10 \(primary\) down, but only 1 of the 2 votes needed say so/);
  });

  it('fails over once a quorum of votes says the primary is down', () => {
    const d = decideRecord(policy, upBefore, seen(false, true), [A], NOW, { quorum: q([vote('gh', ['down', 'up']), vote('k8s', ['up', 'up'])]) });
    assert.equal(d.outcome, 'change');
    assert.deepEqual(d.desired, [B]);
    assert.match(d.reason, /192\.0\.2\.10 \(primary\) is down \(2 votes say so; here: timeout\)/);
  });

  it('a quorum of peers moves the record even when this checker still reaches the primary', () => {
    const d = decideRecord(policy, upBefore, seen(true, true), [A], NOW, { quorum: q([vote('gh', ['down', 'up']), vote('k8s', ['down', 'up'])]) });
    assert.deepEqual(d.desired, [B]);
  });

  it('never moves onto a server whose latest probe here failed, whatever the votes say', () => {
    const d = decideRecord(policy, upBefore, seen(false, false), [A], NOW, { quorum: q([vote('gh', ['down', 'up']), vote('k8s', ['down', 'up'])]) });
    assert.equal(d.outcome, 'waiting');
    assert.deepEqual(d.desired, [A]);
  });

  it('with fewer fresh votes than the quorum needs, changes nothing and says why', () => {
    const d = decideRecord(policy, upBefore, seen(false, true), [A], NOW, { quorum: q([], 2, ['gh (stale: cast 900s ago)', 'k8s (no vote)']) });
    assert.equal(d.outcome, 'no-quorum');
    assert.equal(d.changed, false);
    assert.deepEqual(d.desired, [A]);
    assert.match(d.reason, /only 1 of the 2 fresh votes the quorum needs \(gh \(stale: cast 900s ago\); k8s \(no vote\)\); changing nothing/);
  });

  it('fails back when the primary is up again for the quorum and here', () => {
    const d = decideRecord(policy, upBefore, seen(true, true), [B], NOW, { quorum: q([vote('gh', ['up', 'up'])]) });
    assert.deepEqual(d.desired, [A]);
  });

  it('without a quorum the decision is the single checker\'s, as before', () => {
    const d = decideRecord(policy, upBefore, seen(false, true), [A], NOW);
    assert.deepEqual(d.desired, [B]);
    assert.equal(d.servers[0]!.votes, undefined);
  });
});
