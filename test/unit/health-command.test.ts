import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { probeCommand } from '../../src/health/command.js';
import type { CommandCheck } from '../../src/health/types.js';
import { diesSoon } from '../helpers/pids.js';

const node = process.execPath;
const command = (argv: string[], timeoutMs = 5000): CommandCheck => ({ type: 'command', command: argv, timeoutMs });
/** argv running a Node one-liner; extra args land in process.argv[1..]. */
const nodeScript = (code: string, ...args: string[]): string[] => [node, '-e', code, ...args];
const summary = (r: { healthy: boolean; error?: string }) => ({ healthy: r.healthy, error: r.error });

describe('probeCommand', () => {
  it('is healthy when the command exits 0', async () => {
    const result = await probeCommand('192.0.2.10', command(nodeScript('process.exit(0)')), 'www.example.test');
    assert.deepEqual(summary(result), { healthy: true, error: undefined });
    assert.ok(result.latencyMs > 0);
  });

  it('reports the exit code and the last stderr line, trimmed', async () => {
    const script = "process.stdout.write('noise\\n'); process.stderr.write('first line\\n  port 443 closed  \\n\\n'); process.exit(2)";
    const result = await probeCommand('192.0.2.10', command(nodeScript(script)), 'www.example.test');
    assert.deepEqual(summary(result), { healthy: false, error: 'exit 2: port 443 closed' });
  });

  it('falls back to the last stdout line (Nagios-style plugins) and bounds its length', async () => {
    const quiet = await probeCommand('192.0.2.10', command(nodeScript("console.log('CRITICAL - down'); process.exit(2)")), 'x');
    assert.equal(quiet.error, 'exit 2: CRITICAL - down');
    const silent = await probeCommand('192.0.2.10', command(nodeScript('process.exit(1)')), 'x');
    assert.equal(silent.error, 'exit 1');
    const signalled = await probeCommand('192.0.2.10', command(nodeScript("process.kill(process.pid, 'SIGTERM')")), 'x');
    assert.equal(signalled.error, 'killed by SIGTERM');
    const chatty = await probeCommand('192.0.2.10', command(nodeScript("process.stderr.write('y'.repeat(100000)); process.exit(1)")), 'x');
    assert.equal(chatty.error, `exit 1: ${'y'.repeat(199)}…`);
  });

  it('exports DNSFAIL_ADDRESS and DNSFAIL_NAME and keeps the rest of the environment', async () => {
    process.env.DNSFAIL_TEST_INHERITED = 'inherited';
    try {
      const vars = 'process.env.DNSFAIL_ADDRESS, process.env.DNSFAIL_NAME, process.env.DNSFAIL_TEST_INHERITED';
      const script = `process.stderr.write([${vars}].join(' ')); process.exit(1)`;
      const result = await probeCommand('2001:db8::10', command(nodeScript(script)), 'www.example.test');
      assert.equal(result.error, 'exit 1: 2001:db8::10 www.example.test inherited');
    } finally {
      delete process.env.DNSFAIL_TEST_INHERITED;
    }
  });

  it('passes argv literally, without a shell', async () => {
    const script = "process.stderr.write(process.argv.slice(1).join('|')); process.exit(1)";
    const result = await probeCommand('192.0.2.10', command(nodeScript(script, '$(echo hi)', '*', 'a b;c')), 'x');
    assert.equal(result.error, 'exit 1: $(echo hi)|*|a b;c');
  });

  it('says "command not found" when argv[0] does not exist', async () => {
    const result = await probeCommand('192.0.2.10', command(['/nonexistent/dnsfail-check', '--flag']), 'x');
    assert.deepEqual(summary(result), { healthy: false, error: 'command not found: /nonexistent/dnsfail-check' });
    assert.deepEqual(summary(await probeCommand('192.0.2.10', command([]), 'x')), { healthy: false, error: 'empty command' });
  });

  it('kills the whole process group at the timeout, grandchildren included', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-cmd-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const pidFile = join(dir, 'grandchild.pid');
    // The child spawns a grandchild `sleep 30`, records its pid, and waits for it.
    const script = `sleep 30 & echo $! > '${pidFile}'; wait`;
    const started = performance.now();
    const result = await probeCommand('192.0.2.10', command(['/bin/sh', '-c', script], 400), 'x');
    assert.deepEqual(summary(result), { healthy: false, error: 'timeout after 400ms' });
    assert.ok(performance.now() - started < 800, `took ${performance.now() - started}ms`);
    const grandchild = Number(readFileSync(pidFile, 'utf8').trim());
    assert.ok(grandchild > 0);
    assert.ok(await diesSoon(grandchild), `grandchild ${grandchild} still running`);
  });

  it('does not wait for a background process left behind by a command that exited', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-cmd-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const pidFile = join(dir, 'leftover.pid');
    const started = performance.now();
    const result = await probeCommand('192.0.2.10', command(['/bin/sh', '-c', `sleep 30 & echo $! > '${pidFile}'; exit 0`], 2000), 'x');
    assert.deepEqual(summary(result), { healthy: true, error: undefined });
    assert.ok(performance.now() - started < 1000, `took ${performance.now() - started}ms`);
    assert.ok(await diesSoon(Number(readFileSync(pidFile, 'utf8').trim())), 'leftover sleep still running');
  });

  it('stops when the signal aborts', async () => {
    const result = await probeCommand('192.0.2.10', command(['sleep', '30'], 5000), 'x', AbortSignal.timeout(100));
    assert.deepEqual(summary(result), { healthy: false, error: 'aborted' });
  });
});
