import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import { withRetry } from '../../providers/kit/retry.js';
import type { Capabilities, Provider, ProviderFactory, RecordRef, RecordType as AnyRecordType } from '../../providers/kit/types.js';
import { runOnce } from '../../src/app/run-once.js';
import type { Config, RecordConfig } from '../../src/config/types.js';
import type { RecordType } from '../../src/core/types.js';
import { emptyState, type StateFile } from '../../src/state/store.js';
import type { ProbeTarget } from '../../src/health/types.js';

/**
 * What a provider's test file supplies so the one shared contract suite can run against it:
 * a real server (BIND, PowerDNS) or a faithful fake (Cloudflare, Route 53, DynDNS2).
 */
export interface ContractHarness {
  kind: string;
  capabilities: Capabilities;
  /** The factory, where its storedTtl matters (a service that rounds TTLs): the engine compares with what it stores. */
  factory?: ProviderFactory<any>;
  /** A zone the server serves; record names are made under it. */
  zone: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A provider with valid credentials. */
  provider(): Provider | Promise<Provider>;
  /** The same provider with credentials the server rejects (absent for providers without credentials). */
  badAuthProvider?(): Provider | Promise<Provider>;
  /** Settings object as the config would hold it (for runOnce / holds). */
  settings(): unknown;
  /**
   * What the server holds, seen independently of the provider (dig, the fake's store); null = no such
   * rrset. TXT values as their text (the character-strings of each record joined, unquoted).
   */
  lookup(name: string, type: AnyRecordType): Promise<string[] | null>;
  /** Requests that change records, received so far. */
  mutations(): number;
  /** All requests received so far. */
  requests(): number;
  /** Make the next request(s) fail this way. Absent for real servers that cannot be made to. */
  injectFault?(fault: ContractFault): void;
}

export type ContractFault =
  | { kind: 'http-5xx'; status?: number; times?: number }
  | { kind: 'rate-limit'; retryAfterS?: number; times?: number }
  | { kind: 'timeout'; times?: number };

const FAST = { minDelayMs: 20, maxDelayMs: 50 };
let seq = 0;

export function providerContract(h: ContractHarness): void {
  const name = (label: string) => `${label}-${process.pid}-${++seq}.${h.zone}`;
  const ref = (n: string, type: AnyRecordType = 'A'): RecordRef => ({ name: n, type });

  describe(`provider contract: ${h.kind}`, () => {
    let p: Provider;
    before(async () => {
      await h.start();
      p = await h.provider();
    });
    after(async () => {
      await p?.close?.();
      await h.stop();
    });

    it('declares the capabilities it has: read and batch match its methods', () => {
      assert.equal(typeof p.read === 'function', h.capabilities.read, 'capabilities.read');
      assert.equal(typeof p.writeMany === 'function', h.capabilities.batch, 'capabilities.batch');
      if (h.capabilities.txt) assert.ok(h.capabilities.read, 'a provider with txt can read: the votes must be read back');
    });

    it('creates a missing record and reads it back', async () => {
      const n = name('create');
      if (h.capabilities.read) assert.equal(await p.read!(ref(n)), null);
      await p.write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: null });
      assert.deepEqual(await h.lookup(n, 'A'), ['192.0.2.10']);
      if (h.capabilities.read) assert.deepEqual((await p.read!(ref(n)))?.values, ['192.0.2.10']);
    });

    it('replaces a value', async () => {
      const n = name('replace');
      await p.write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: null });
      const previous = h.capabilities.read ? await p.read!(ref(n)) : { values: ['192.0.2.10'] };
      await p.write(ref(n), { values: ['192.0.2.20'], ttl: 60, previous });
      assert.deepEqual(await h.lookup(n, 'A'), ['192.0.2.20']);
    });

    it('through the engine: a second run with nothing changed makes no write', async () => {
      const n = name('idempotent');
      const record = recordFor(n, 'A', ['192.0.2.10', '192.0.2.20']);
      const config = configFor(h, record);
      const probe = async (t: ProbeTarget[]) => t.map((x) => ({ healthy: x.address === '192.0.2.20', latencyMs: 1 }));
      const r1 = await runOnce(config, emptyState(), { providers: { p }, probe }, { dryRun: false });
      assert.equal(r1.report.records[0]!.written, true, r1.report.records[0]!.error);
      assert.deepEqual(await h.lookup(n, 'A'), ['192.0.2.20']);
      const before = h.mutations();
      const r2 = await runOnce(config, r1.state as StateFile, { providers: { p }, probe }, { dryRun: false });
      assert.equal(r2.report.records[0]!.changed, false);
      assert.equal(h.mutations(), before, 'no mutating request on the second run');
    });

    if (h.capabilities.aaaa) {
      it('manages AAAA records', async () => {
        const n = name('aaaa');
        await p.write(ref(n, 'AAAA'), { values: ['2001:db8::10'], ttl: 60, previous: null });
        assert.deepEqual(await h.lookup(n, 'AAAA'), ['2001:db8::10']);
        if (h.capabilities.read) assert.deepEqual((await p.read!(ref(n, 'AAAA')))?.values, ['2001:db8::10']);
      });
    }

    if (h.capabilities.multiValue) {
      it('holds several values, and shrinks back to one', async () => {
        const n = name('multi');
        await p.write(ref(n), { values: ['192.0.2.10', '192.0.2.11', '192.0.2.12'], ttl: 60, previous: null });
        assert.deepEqual((await h.lookup(n, 'A'))?.sort(), ['192.0.2.10', '192.0.2.11', '192.0.2.12']);
        const previous = h.capabilities.read ? await p.read!(ref(n)) : { values: ['192.0.2.10', '192.0.2.11', '192.0.2.12'] };
        await p.write(ref(n), { values: ['192.0.2.11'], ttl: 60, previous });
        assert.deepEqual(await h.lookup(n, 'A'), ['192.0.2.11']);
      });
    }

    if (h.capabilities.txt) {
      // What a checker's vote looks like, and text that needs every kind of quoting a zone file, a
      // DNS message, a JSON API and an XML API have.
      const VOTE = 'v=dnsfail1 at=1764900000 up=192.0.2.1 down=192.0.2.2';
      const ODD = 'a "quoted" word, a back\\slash\\; a semicolon; (parens) $ORIGIN @ \\# 0';
      const voteName = (label: string) => `home._dnsfail.${name(label)}`;

      it('TXT (votes): creates, reads back and replaces one text value under an _underscore label, quotes and backslashes intact', async () => {
        const n = voteName('txt');
        assert.equal(await p.read!(ref(n, 'TXT')), null);
        await p.write(ref(n, 'TXT'), { values: [VOTE], ttl: 60, previous: null });
        assert.deepEqual(await h.lookup(n, 'TXT'), [VOTE]);
        const first = await p.read!(ref(n, 'TXT'));
        assert.deepEqual(first?.values, [VOTE]);
        await p.write(ref(n, 'TXT'), { values: [ODD], ttl: 60, previous: first });
        assert.deepEqual(await h.lookup(n, 'TXT'), [ODD]);
        assert.deepEqual((await p.read!(ref(n, 'TXT')))?.values, [ODD]);
      });

      if (h.capabilities.batch) {
        it('TXT (votes): readMany reads A and TXT records in one call, and writeMany writes both', async () => {
          const a = name('txt-a');
          const t = voteName('txt-b');
          const results = await p.writeMany!([
            { ref: ref(a), req: { values: ['192.0.2.10'], ttl: 60, previous: null } },
            { ref: ref(t, 'TXT'), req: { values: [VOTE], ttl: 60, previous: null } },
          ]);
          assert.deepEqual(results, [{ ok: true }, { ok: true }]);
          const read = await p.readMany!([ref(a), ref(t, 'TXT'), ref(voteName('txt-none'), 'TXT')]);
          assert.deepEqual(read.map((r) => (r instanceof Error ? r.message : r?.values ?? null)), [['192.0.2.10'], [VOTE], null]);
          assert.deepEqual(await h.lookup(a, 'A'), ['192.0.2.10']);
        });
      }

      it('TXT (votes): text beyond printable ASCII or 255 characters is refused as fatal, and nothing is sent', async () => {
        const n = voteName('txt-bad');
        const before = h.mutations();
        for (const bad of ['caf\u00e9', 'x'.repeat(256), 'line\nbreak']) {
          await assert.rejects(p.write(ref(n, 'TXT'), { values: [bad], ttl: 60, previous: null }), (e: unknown) => e instanceof ProviderError && e.kind === 'fatal');
        }
        assert.equal(h.mutations(), before);
        assert.equal(await h.lookup(n, 'TXT'), null);
      });
    }

    it('rejected credentials: a typed auth (or lockout) error, and no retry', { skip: !h.badAuthProvider && 'no credentials' }, async () => {
      const bad = await h.badAuthProvider!();
      const n = name('auth');
      const before = h.requests();
      await assert.rejects(
        withRetry<unknown>(() => (bad.read ? bad.read(ref(n)) : bad.write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: null })), FAST),
        (e: unknown) => e instanceof ProviderError && (e.kind === 'auth' || e.kind === 'lockout'),
      );
      assert.equal(h.requests() - before, 1, 'exactly one request: auth errors are never retried');
      await bad.close?.();
    });

    if (h.injectFault) {
      const inject = h.injectFault.bind(h);
      it('a 5xx answer is retried, then the write succeeds', async () => {
        const n = name('retry5xx');
        inject({ kind: 'http-5xx', status: 503, times: 1 });
        await withRetry(() => p.write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: null }), FAST);
        assert.deepEqual(await h.lookup(n, 'A'), ['192.0.2.10']);
      });

      it('a timeout is retried as transient', async () => {
        const n = name('timeout');
        inject({ kind: 'timeout', times: 1 });
        await withRetry(() => p.write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: null }), FAST);
        assert.deepEqual(await h.lookup(n, 'A'), ['192.0.2.10']);
      });

      it('a 429 waits for retry-after before trying again', async () => {
        const n = name('ratelimit');
        inject({ kind: 'rate-limit', retryAfterS: 1, times: 1 });
        const t0 = performance.now();
        await withRetry(() => p.write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: null }), FAST);
        assert.ok(performance.now() - t0 >= 950, `waited ${Math.round(performance.now() - t0)}ms`);
        assert.deepEqual(await h.lookup(n, 'A'), ['192.0.2.10']);
      });

      it('persistent 5xx gives up after a bounded number of attempts with a transient error', async () => {
        const n = name('giveup');
        const before = h.requests();
        inject({ kind: 'http-5xx', status: 502, times: 100 });
        await assert.rejects(
          withRetry(() => p.write(ref(n), { values: ['192.0.2.10'], ttl: 60, previous: null }), { ...FAST, retries: 2 }),
          (e: unknown) => e instanceof ProviderError && e.kind === 'transient',
        );
        assert.ok(h.requests() - before <= 3 * 3, 'bounded');
        inject({ kind: 'http-5xx', times: 0 });
      });
    }
  });
}

export function recordFor(name: string, type: RecordType, addresses: string[]): RecordConfig {
  return {
    key: `${name}/${type}`,
    name,
    type,
    provider: 'p',
    ttl: 60,
    strategy: 'failover',
    fall: 1,
    rise: 1,
    failback: 'auto',
    onAllDown: 'keep',
    servers: addresses.map((address) => ({ address, check: { type: 'tcp', port: 1, timeoutMs: 100 } })),
  };
}

function configFor(h: ContractHarness, record: RecordConfig): Config {
  return {
    source: 'contract',
    baseDir: '/',
    providers: { p: { id: 'p', kind: h.kind, factory: (h.factory ?? {}) as never, settings: h.settings() } },
    records: [record],
    notify: [],
  };
}
