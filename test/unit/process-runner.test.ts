import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import execProvider, { execConfigSchema } from '../../providers/exec/index.js';
import { MAX_CAPTURED_BYTES, runProcess } from '../../providers/kit/process.js';
import { runReload } from '../../providers/zonefile/reload.js';
import type { RecordEvent } from '../../src/core/events.js';
import { probeCommand } from '../../src/health/command.js';
import { sendNotifications } from '../../src/notify/send.js';
import { diesSoon } from '../helpers/pids.js';

const node = process.execPath;
const dir = mkdtempSync(join(tmpdir(), 'dnsfail-runner-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;

/**
 * A command that forks a grandchild which ignores SIGTERM and, writing nowhere, does not hold the
 * pipes: only a kill of the whole group stops it. Its pid is written to the returned file.
 */
function stubbornGrandchild(): { argv: string[]; pid: () => number } {
  const pidFile = join(dir, `${++seq}.pid`);
  const script = `(trap '' TERM; exec sleep 30) >/dev/null 2>&1 </dev/null & echo $! > '${pidFile}'; wait`;
  return { argv: ['/bin/sh', '-c', script], pid: () => Number(readFileSync(pidFile, 'utf8').trim()) };
}

const event: RecordEvent = { kind: 'change', name: 'app.example.test', type: 'A', old: ['192.0.2.1'], new: ['192.0.2.2'], reason: 'test', servers: [] };

describe('the process runner kills the whole group at the deadline', () => {
  it('runProcess: SIGTERM, then SIGKILL after the grace when the program ignores SIGTERM too', async () => {
    const pidFile = join(dir, 'stubborn-parent.pid');
    const script = `trap '' TERM; (exec sleep 30) >/dev/null 2>&1 & echo $! > '${pidFile}'; wait`;
    const outcome = await runProcess(['/bin/sh', '-c', script], { env: process.env, timeoutMs: 300, killGraceMs: 200 });
    assert.deepEqual(outcome, { kind: 'timeout' });
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    assert.ok(await diesSoon(pid), `grandchild ${pid} still running`);
  });

  it('zonefile reload', async () => {
    const cmd = stubbornGrandchild();
    await assert.rejects(runReload(cmd.argv, 300), /^Error: \/bin\/sh timed out after 300ms and was killed$/);
    assert.ok(await diesSoon(cmd.pid()), `reload grandchild ${cmd.pid()} still running`);
  });

  it('command health check', async () => {
    const cmd = stubbornGrandchild();
    const result = await probeCommand('192.0.2.10', { type: 'command', command: cmd.argv, timeoutMs: 300 }, 'x');
    assert.equal(result.error, 'timeout after 300ms');
    assert.ok(await diesSoon(cmd.pid()), `check grandchild ${cmd.pid()} still running`);
  });

  it('exec provider', async () => {
    const cmd = stubbornGrandchild();
    const provider = execProvider.create(execConfigSchema.parse({ type: 'exec', command: cmd.argv, timeout: '300ms' }), { userAgent: 'dnsfail/test', baseDir: dir });
    await assert.rejects(provider.write({ name: 'app.example.test', type: 'A' }, { values: ['192.0.2.10'], ttl: 30, previous: null }), /timed out after 300ms/);
    assert.ok(await diesSoon(cmd.pid()), `exec grandchild ${cmd.pid()} still running`);
  });

  it('exec notifier', async () => {
    const cmd = stubbornGrandchild();
    const warnings = await sendNotifications([{ type: 'exec', command: cmd.argv, events: ['change'], timeoutMs: 300 }], [event], 'dnsfail/test');
    assert.deepEqual(warnings, ['notify[0] (exec) failed for app.example.test change: /bin/sh timed out after 300ms']);
    assert.ok(await diesSoon(cmd.pid()), `notifier grandchild ${cmd.pid()} still running`);
  });
});

describe('runProcess', () => {
  it('passes exactly the given environment and writes the input to stdin', async () => {
    const script = 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => process.stdout.write(JSON.stringify({ env: process.env, s })))';
    const outcome = await runProcess([node, '-e', script], { env: { ONLY: 'this' }, timeoutMs: 10_000, input: 'payload' });
    assert.equal(outcome.kind, 'exited');
    assert.deepEqual(JSON.parse(outcome.kind === 'exited' ? outcome.stdout : ''), { env: { ONLY: 'this' }, s: 'payload' });
  });

  it('keeps the first 64 KiB of stdout and says it overflowed', async () => {
    const outcome = await runProcess([node, '-e', `process.stdout.write('x'.repeat(${MAX_CAPTURED_BYTES + 10}))`], { env: {}, timeoutMs: 10_000 });
    assert.ok(outcome.kind === 'exited');
    assert.deepEqual([outcome.code, outcome.stdout.length, outcome.stdoutOverflow], [0, MAX_CAPTURED_BYTES, true]);
  });

  it('reports a program that cannot be started, and an empty argv, as spawn errors', async () => {
    assert.deepEqual(await runProcess(['/nonexistent/dnsfail-x'], { env: {}, timeoutMs: 1000 }), { kind: 'spawn-error', code: 'ENOENT' });
    assert.deepEqual(await runProcess([], { env: {}, timeoutMs: 1000 }), { kind: 'spawn-error', code: 'EMPTY' });
  });
});
