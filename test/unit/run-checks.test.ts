import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probe } from '../../src/health/probe.js';
import { runChecks, startChecks } from '../../src/health/run-checks.js';
import type { CommandCheck, HttpCheck, ProbeTarget } from '../../src/health/types.js';
import { httpCheck } from '../helpers/checks.js';
import { freePort, startHttpTarget, startTcpTarget, type Target } from '../helpers/targets.js';

function httpTarget(target: Target, overrides: Partial<HttpCheck> = {}, recordName = 'www.example.test'): ProbeTarget {
  const check = httpCheck(target.port, overrides);
  return { address: target.host, check, recordName };
}

describe('probe', () => {
  it('dispatches on the check type', async () => {
    const web = await startHttpTarget({ host: '127.0.0.2' });
    const tcp = await startTcpTarget({ host: '127.0.0.3' });
    try {
      assert.equal((await probe(httpTarget(web))).healthy, true);
      assert.equal(web.hits, 1);
      const tcpCheck = { type: 'tcp', port: tcp.port, timeoutMs: 1000 } as const;
      const tcpResult = await probe({ address: '127.0.0.3', check: tcpCheck, recordName: 'x' });
      assert.equal(tcpResult.healthy, true, tcpResult.error);
      assert.equal(tcp.connections, 1);
      const exit3: CommandCheck = { type: 'command', command: [process.execPath, '-e', 'process.exit(3)'], timeoutMs: 2000 };
      const cmd = await probe({ address: '127.0.0.9', check: exit3, recordName: 'x' });
      assert.equal(cmd.error, 'exit 3');
    } finally {
      await Promise.all([web.close(), tcp.close()]);
    }
  });

  it('never throws, and refuses a host name where an IP literal belongs', async () => {
    const tcp80 = { type: 'tcp', port: 80, timeoutMs: 500 } as const;
    const nameInsteadOfIp = await probe({ address: 'www.example.test', check: tcp80, recordName: 'x' });
    assert.equal(nameInsteadOfIp.healthy, false);
    assert.equal(nameInsteadOfIp.error, 'not an IP address: www.example.test');
    // A NUL byte makes spawn throw synchronously.
    const nulInArgv: CommandCheck = { type: 'command', command: ['bad\0argv'], timeoutMs: 500 };
    const bad = await probe({ address: '127.0.0.9', check: nulInArgv, recordName: 'x' });
    assert.equal(bad.healthy, false);
    assert.match(bad.error ?? '', /null bytes/);
  });
});

describe('runChecks', () => {
  it('returns results in target order', async () => {
    const up = await startHttpTarget({ host: '127.0.0.2' });
    const down = await startHttpTarget({ host: '127.0.0.3' });
    down.setMode('fail');
    const closedPort = await freePort('127.0.0.4');
    try {
      const targets: ProbeTarget[] = [
        httpTarget(down),
        { address: '127.0.0.4', check: { type: 'tcp', port: closedPort, timeoutMs: 1000 }, recordName: 'x' },
        httpTarget(up),
        httpTarget(down, { expectStatus: [[503, 503]] }),
      ];
      const results = await runChecks(targets, { concurrency: 4 });
      assert.deepEqual(
        results.map((r) => [r.healthy, r.error]),
        [
          [false, 'status 503 (expected 200-399)'],
          [false, 'connect ECONNREFUSED'],
          [true, undefined],
          [true, undefined],
        ],
      );
    } finally {
      await Promise.all([up.close(), down.close()]);
    }
  });

  it('keeps at most `concurrency` probes in flight', async () => {
    const target = await startHttpTarget({ slowMs: 150 });
    target.setMode('slow');
    try {
      // Different paths, so nothing is deduplicated.
      const targets = Array.from({ length: 6 }, (_, i) => httpTarget(target, { path: `/p${i}` }));
      const results = await runChecks(targets, { concurrency: 2 });
      assert.ok(results.every((r) => r.healthy), JSON.stringify(results));
      assert.equal(target.hits, 6);
      assert.equal(target.maxInFlight, 2);
    } finally {
      await target.close();
    }
  });

  it('treats a concurrency below 1 as 1', async () => {
    const target = await startHttpTarget({ slowMs: 50 });
    target.setMode('slow');
    try {
      const targets = Array.from({ length: 3 }, (_, i) => httpTarget(target, { path: `/p${i}` }));
      const results = await runChecks(targets, { concurrency: 0 });
      assert.equal(results.length, 3);
      assert.ok(results.every((r) => r.healthy));
      assert.equal(target.maxInFlight, 1);
    } finally {
      await target.close();
    }
  });

  it('probes identical targets once and shares the result', async () => {
    const target = await startHttpTarget();
    try {
      const same = httpTarget(target);
      const targets = [same, httpTarget(target, {}, 'other.example.test'), httpTarget(target, { path: '/other' }), { ...same }];
      const results = await runChecks(targets, { concurrency: 4 });
      assert.equal(results.length, 4);
      assert.ok(results.every((r) => r.healthy));
      // The record name does not change an HTTP probe, so the first two and the last are one probe.
      assert.equal(target.hits, 2);
      assert.deepEqual(target.requests.map((r) => r.path).sort(), ['/health', '/other']);
      assert.equal(results[0], results[1]);
      assert.equal(results[0], results[3]);
    } finally {
      await target.close();
    }
  });

  it('keeps command checks for different record names apart (DNSFAIL_NAME differs)', async () => {
    const onlyA = "process.exit(process.env.DNSFAIL_NAME === 'a.example.test' ? 0 : 1)";
    const check: CommandCheck = { type: 'command', command: [process.execPath, '-e', onlyA], timeoutMs: 5000 };
    const results = await runChecks(
      [
        { address: '192.0.2.1', check, recordName: 'a.example.test' },
        { address: '192.0.2.1', check, recordName: 'b.example.test' },
      ],
      { concurrency: 2 },
    );
    assert.deepEqual(results.map((r) => r.healthy), [true, false]);
  });

  it('runs N hanging probes with concurrency >= N in about one timeout', async () => {
    const target = await startHttpTarget();
    target.setMode('hang');
    try {
      const timeoutMs = 400;
      const targets = Array.from({ length: 5 }, (_, i) => httpTarget(target, { path: `/p${i}`, timeoutMs }));
      const started = performance.now();
      const results = await runChecks(targets, { concurrency: 8 });
      const elapsed = performance.now() - started;
      assert.ok(results.every((r) => r.error === `timeout after ${timeoutMs}ms`), JSON.stringify(results));
      assert.ok(elapsed >= timeoutMs - 10 && elapsed < 2 * timeoutMs, `took ${elapsed}ms`);
      assert.equal(target.maxInFlight, 5);
    } finally {
      await target.close();
    }
  });

  it('returns an empty list for no targets', async () => {
    assert.deepEqual(await runChecks([], { concurrency: 4 }), []);
  });
});

describe('startChecks', () => {
  it('resolves each target as soon as its own probe is done: a fast server does not wait for a hanging one', async () => {
    const fast = await startHttpTarget({ host: '127.0.0.2' });
    const hanging = await startHttpTarget({ host: '127.0.0.3' });
    hanging.setMode('hang');
    try {
      const t0 = performance.now();
      const [a, b] = startChecks([httpTarget(fast, { timeoutMs: 1500 }), httpTarget(hanging, { timeoutMs: 1500 })], { concurrency: 8 });
      const first = await a!;
      const fastMs = performance.now() - t0;
      assert.equal(first.healthy, true);
      assert.ok(fastMs < 1000, `the fast result came after ${Math.round(fastMs)}ms`);
      const second = await b!;
      assert.equal(second.healthy, false);
      assert.match(second.error ?? '', /timeout after 1500ms/);
    } finally {
      await fast.close();
      await hanging.close();
    }
  });
});
