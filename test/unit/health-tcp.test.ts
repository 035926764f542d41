import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { probeTcp } from '../../src/health/tcp.js';
import type { TcpCheck } from '../../src/health/types.js';
import { freePort, startTcpTarget } from '../helpers/targets.js';

const tcp = (port: number, timeoutMs = 1000): TcpCheck => ({ type: 'tcp', port, timeoutMs });

/**
 * A listener whose thread is blocked, so nothing is ever accepted: once its backlog of 1 is full the
 * kernel drops further SYNs and connect() hangs, like a black-holed host.
 */
async function startStuckListener(host: string): Promise<{ port: number; close(): Promise<void> }> {
  const release = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const net = require('node:net');
     const { parentPort, workerData } = require('node:worker_threads');
     const server = net.createServer();
     server.listen({ host: workerData.host, port: 0, backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       Atomics.wait(workerData.release, 0, 0);
     });`,
    { eval: true, workerData: { host, release } },
  );
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    port,
    close: async () => {
      Atomics.store(release, 0, 1);
      Atomics.notify(release, 0);
      await worker.terminate();
    },
  };
}

describe('probeTcp', () => {
  it('is healthy when the port accepts a connection, and closes it', async () => {
    const target = await startTcpTarget({ host: '127.0.0.2' });
    try {
      const result = await probeTcp('127.0.0.2', tcp(target.port));
      assert.equal(result.healthy, true, result.error);
      assert.equal(result.error, undefined);
      assert.ok(result.latencyMs >= 0 && result.latencyMs < 1000);
      assert.equal(target.connections, 1);
    } finally {
      await target.close();
    }
  });

  it('connects to an IPv6 literal', async () => {
    const target = await startTcpTarget({ host: '::1' });
    try {
      const result = await probeTcp('::1', tcp(target.port));
      assert.equal(result.healthy, true, result.error);
    } finally {
      await target.close();
    }
  });

  it('reports a refused connection as "connect ECONNREFUSED"', async () => {
    const port = await freePort('127.0.0.3');
    const result = await probeTcp('127.0.0.3', tcp(port));
    assert.deepEqual({ healthy: result.healthy, error: result.error }, { healthy: false, error: 'connect ECONNREFUSED' });
  });

  it('probes the address it is given, not another loopback address on the same port', async () => {
    const target = await startTcpTarget({ host: '127.0.0.2' });
    try {
      const result = await probeTcp('127.0.0.4', tcp(target.port));
      assert.equal(result.error, 'connect ECONNREFUSED');
      assert.equal(target.connections, 0);
    } finally {
      await target.close();
    }
  });

  it('gives up on a connect that never completes after timeoutMs', async () => {
    const stuck = await startStuckListener('127.0.0.5');
    try {
      // The first connections fill the accept queue; after that SYNs are dropped.
      let result = await probeTcp('127.0.0.5', tcp(stuck.port, 300));
      for (let i = 0; i < 5 && result.healthy; i++) result = await probeTcp('127.0.0.5', tcp(stuck.port, 300));
      assert.equal(result.healthy, false);
      assert.equal(result.error, 'timeout after 300ms');
      assert.ok(result.latencyMs >= 290 && result.latencyMs < 600, `latency ${result.latencyMs}`);
    } finally {
      await stuck.close();
    }
  });

  it('stops when the signal aborts', async () => {
    const stuck = await startStuckListener('127.0.0.6');
    try {
      let result = await probeTcp('127.0.0.6', tcp(stuck.port, 300));
      for (let i = 0; i < 5 && result.healthy; i++) result = await probeTcp('127.0.0.6', tcp(stuck.port, 300));
      assert.equal(result.healthy, false, 'accept queue should be full by now');
      const started = performance.now();
      const aborted = await probeTcp('127.0.0.6', tcp(stuck.port, 5000), AbortSignal.timeout(100));
      assert.equal(aborted.error, 'aborted');
      assert.ok(performance.now() - started < 2000);
      const already = await probeTcp('127.0.0.6', tcp(stuck.port, 5000), AbortSignal.abort());
      assert.equal(already.error, 'aborted');
    } finally {
      await stuck.close();
    }
  });
});
