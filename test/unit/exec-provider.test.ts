import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import execProvider, { execConfigSchema, resolveArgv, type ExecConfig } from '../../providers/exec/index.js';
import { parseReadOutput } from '../../providers/exec/parse.js';
import { withRetry } from '../../providers/kit/retry.js';
import type { Provider, RecordRef, WriteRequest } from '../../providers/kit/types.js';
import { diesSoon } from '../helpers/pids.js';

const node = process.execPath;
const dir = mkdtempSync(join(tmpdir(), 'dnsfail-exec-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;
const tmp = (name: string) => join(dir, `${++seq}-${name}`);

/** argv running a Node one-liner; extra args land in process.argv[1..]. */
const nodeScript = (code: string, ...args: string[]): string[] => [node, '-e', code, ...args];
const sh = (script: string): string[] => ['/bin/sh', '-c', script];

function provider(settings: Partial<ExecConfig> & { command: string[] }, baseDir = dir): Provider {
  return execProvider.create(execConfigSchema.parse({ type: 'exec', ...settings }), { userAgent: 'dnsfail/test', baseDir });
}
const A: RecordRef = { name: 'app.example.test', type: 'A' };
const req = (values: string[], previous: string[] | null = null): WriteRequest => ({ values, ttl: 30, previous: previous && { values: previous } });

async function rejectsWith(p: Promise<unknown>, kind: ProviderError['kind'], message?: RegExp): Promise<ProviderError> {
  let caught: unknown;
  await assert.rejects(p, (e: unknown) => {
    caught = e;
    return true;
  });
  assert.ok(caught instanceof ProviderError, `expected a ProviderError, got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

describe('exec provider: config', () => {
  it('declares no read for the kind, and an instance reads only with readCommand', () => {
    assert.deepEqual(execProvider.capabilities, { read: false, multiValue: true, aaaa: true, ttl: true, compareAndSet: false, batch: false });
    assert.equal(provider({ command: ['true'] }).read, undefined);
    assert.equal(typeof provider({ command: ['true'], readCommand: ['true'] }).read, 'function');
  });

  it('accepts the documented keys', () => {
    const parsed = execConfigSchema.parse({ type: 'exec', command: ['/usr/local/bin/update-dns'], readCommand: ['/usr/local/bin/read-dns'], timeout: '5s', env: { ZONE: 'example.test' } });
    assert.deepEqual(parsed.command, ['/usr/local/bin/update-dns']);
  });

  for (const [what, bad] of [
    ['an empty command', { command: [] }],
    ['an empty program', { command: [''] }],
    ['a command given as a string (no shell)', { command: 'update-dns --all' }],
    ['a timeout that is not a duration', { command: ['x'], timeout: 'soon' }],
    ['a zero timeout', { command: ['x'], timeout: '0s' }],
    ['an env name that is not a variable name', { command: ['x'], env: { 'A-B': '1' } }],
    ['an unknown key', { command: ['x'], shell: true }],
  ] as const) {
    it(`rejects ${what}`, () => assert.equal(execConfigSchema.safeParse({ type: 'exec', ...bad }).success, false));
  }
});

describe('exec provider: write', () => {
  it('passes the record in DNSFAIL_* variables, on top of the parent env and the env map', async () => {
    const out = tmp('env.json');
    process.env.DNSFAIL_UNIT_PARENT = 'from-parent';
    try {
      const p = provider({
        command: nodeScript('require("fs").writeFileSync(process.argv[1], JSON.stringify(process.env))', out),
        env: { EXTRA: 'from-config', DNSFAIL_NAME: 'cannot-override' },
      });
      await p.write(A, req(['192.0.2.10', '192.0.2.11'], ['192.0.2.9']));
    } finally {
      delete process.env.DNSFAIL_UNIT_PARENT;
    }
    const env = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
    assert.equal(env.DNSFAIL_NAME, 'app.example.test');
    assert.equal(env.DNSFAIL_TYPE, 'A');
    assert.equal(env.DNSFAIL_VALUES, '192.0.2.10 192.0.2.11');
    assert.equal(env.DNSFAIL_TTL, '30');
    assert.equal(env.DNSFAIL_PREVIOUS, '192.0.2.9');
    assert.equal(env.EXTRA, 'from-config');
    assert.equal(env.DNSFAIL_UNIT_PARENT, 'from-parent');
  });

  it('sets DNSFAIL_PREVIOUS empty when the previous value is unknown', async () => {
    const out = tmp('prev.json');
    await provider({ command: nodeScript('require("fs").writeFileSync(process.argv[1], JSON.stringify(process.env.DNSFAIL_PREVIOUS))', out) }).write(
      { name: 'v6.example.test', type: 'AAAA' },
      req(['2001:db8::1']),
    );
    assert.equal(JSON.parse(readFileSync(out, 'utf8')), '');
  });

  it('runs argv without a shell: $(…) is passed literally and nothing runs it', async () => {
    const out = tmp('argv.json');
    const marker = tmp('pwned');
    const literal = `$(touch ${marker}); touch ${marker}`;
    await provider({ command: nodeScript('require("fs").writeFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)))', out, literal) }).write(A, req(['192.0.2.10']));
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), [literal]);
    assert.equal(existsSync(marker), false);
  });

  it('a command line with shell syntax as the program is not found, and nothing runs', async () => {
    const marker = tmp('pwned2');
    await rejectsWith(provider({ command: [`touch ${marker}`] }).write(A, req(['192.0.2.10'])), 'fatal', /not found/);
    assert.equal(existsSync(marker), false);
  });

  it('exit 0 is success', async () => {
    await provider({ command: ['true'] }).write(A, req(['192.0.2.10']));
  });

  it('another exit code is fatal, with the code and the last stderr line', async () => {
    const e = await rejectsWith(
      provider({ command: sh('echo to-stdout; echo "first problem" >&2; echo "  zone example.test is frozen  " >&2; exit 2') }).write(A, req(['192.0.2.10'])),
      'fatal',
    );
    assert.equal(e.message, 'write command /bin/sh exited with code 2: zone example.test is frozen');
  });

  it('a fatal exit is not retried; exit 75 (EX_TEMPFAIL) is transient and retried', async () => {
    const counter = tmp('count');
    const failThenOk = (code: number) =>
      provider({ command: sh(`n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; [ $n -ge 2 ] || { echo busy >&2; exit ${code}; }`) });
    await withRetry(() => failThenOk(75).write(A, req(['192.0.2.10'])), { minDelayMs: 5, maxDelayMs: 10 });
    assert.equal(readFileSync(counter, 'utf8').trim(), '2');
    rmSync(counter);
    await rejectsWith(withRetry(() => failThenOk(1).write(A, req(['192.0.2.10'])), { minDelayMs: 5, maxDelayMs: 10 }), 'fatal', /exited with code 1: busy/);
    assert.equal(readFileSync(counter, 'utf8').trim(), '1');
  });

  it('75 alone says transient with its detail', async () => {
    await rejectsWith(provider({ command: sh('echo "server busy" >&2; exit 75') }).write(A, req(['192.0.2.10'])), 'transient', /exited with code 75: server busy/);
  });

  it('cuts the detail to 200 characters and bounds what it keeps of huge output', async () => {
    const e = await rejectsWith(
      provider({ command: nodeScript("process.stderr.write('x'.repeat(1 << 20) + '\\n' + 'y'.repeat(500) + '\\n'); process.exitCode = 4") }).write(A, req(['192.0.2.10'])),
      'fatal',
    );
    const detail = e.message.slice('write command '.length + node.length + ' exited with code 4: '.length);
    assert.match(detail, /^y+…$/);
    assert.equal(detail.length, 200);
  });

  it('a command killed by a signal is fatal', async () => {
    await rejectsWith(provider({ command: sh('kill -TERM $$') }).write(A, req(['192.0.2.10'])), 'fatal', /killed by SIGTERM/);
  });

  it('a timeout kills the whole process group, grandchildren too, and is transient', async () => {
    const pidFile = tmp('grandchild.pid');
    const t0 = performance.now();
    await rejectsWith(provider({ command: sh(`sleep 30 & echo $! > ${pidFile}; sleep 30`), timeout: '300ms' }).write(A, req(['192.0.2.10'])), 'transient', /timed out after 300ms/);
    assert.ok(performance.now() - t0 < 3000, 'gave up at the deadline');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(pid > 0);
    assert.ok(await diesSoon(pid), `grandchild ${pid} still alive`);
  });

  it('a hook that exits 0 but leaves a background child holding the pipes returns at once', async () => {
    const pidFile = tmp('bg.pid');
    const t0 = performance.now();
    await provider({ command: sh(`sleep 30 & echo $! > ${pidFile}; exit 0`), timeout: '10s' }).write(A, req(['192.0.2.10']));
    assert.ok(performance.now() - t0 < 3000);
    assert.ok(await diesSoon(Number(readFileSync(pidFile, 'utf8'))));
  });

  it('a program that cannot be executed is fatal', async () => {
    const script = tmp('not-executable.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    await rejectsWith(provider({ command: [script] }).write(A, req(['192.0.2.10'])), 'fatal', /not executable/);
  });
});

describe('exec provider: paths', () => {
  const conf = join(dir, 'conf');
  const bin = join(dir, 'bin');
  mkdirSync(conf, { recursive: true });
  mkdirSync(bin, { recursive: true });
  const hook = (where: string) => {
    writeFileSync(where, '#!/bin/sh\npwd > "$OUT"\n');
    chmodSync(where, 0o755);
  };

  it('./ and ../ resolve against the config directory, absolute and bare names stay as written', () => {
    assert.deepEqual(resolveArgv(['./hook.sh', './arg'], '/etc/dnsfail'), ['/etc/dnsfail/hook.sh', './arg']);
    assert.deepEqual(resolveArgv(['../bin/hook'], '/etc/dnsfail'), ['/etc/bin/hook']);
    assert.deepEqual(resolveArgv(['/usr/bin/hook'], '/etc/dnsfail'), ['/usr/bin/hook']);
    assert.deepEqual(resolveArgv(['nsupdate'], '/etc/dnsfail'), ['nsupdate']);
  });

  it('runs ./hook.sh from the config directory, whatever the working directory, with the config directory as cwd', async () => {
    hook(join(conf, 'hook.sh'));
    const out = tmp('pwd');
    assert.notEqual(process.cwd(), conf);
    await provider({ command: ['./hook.sh'], env: { OUT: out } }, conf).write(A, req(['192.0.2.10']));
    assert.equal(readFileSync(out, 'utf8').trim(), conf);
  });

  it('runs ../bin/hook.sh relative to the config directory', async () => {
    hook(join(bin, 'hook.sh'));
    const out = tmp('pwd2');
    await provider({ command: ['../bin/hook.sh'], env: { OUT: out } }, conf).write(A, req(['192.0.2.10']));
    assert.equal(readFileSync(out, 'utf8').trim(), conf);
  });
});

describe('exec provider: readCommand', () => {
  const reader = (script: string) => provider({ command: ['false'], readCommand: sh(script) });

  it('reads addresses one per line or space-separated, de-duplicated', async () => {
    assert.deepEqual(await reader('printf "192.0.2.10\\n192.0.2.11 192.0.2.12\\n\\n192.0.2.10\\n"').read!(A), { values: ['192.0.2.10', '192.0.2.11', '192.0.2.12'] });
  });

  it('passes DNSFAIL_NAME and DNSFAIL_TYPE, and canonicalises IPv6', async () => {
    const p = reader('[ "$DNSFAIL_NAME" = v6.example.test ] && [ "$DNSFAIL_TYPE" = AAAA ] && echo 2001:DB8:0::1');
    assert.deepEqual(await p.read!({ name: 'v6.example.test', type: 'AAAA' }), { values: ['2001:db8::1'] });
  });

  it('exit 3 means the record is missing', async () => {
    assert.equal(await reader('exit 3').read!(A), null);
  });

  it('no output means the record is missing', async () => {
    assert.equal(await reader('exit 0').read!(A), null);
  });

  it('an address of the other family, or garbage, is fatal', async () => {
    await rejectsWith(reader('echo 2001:db8::1').read!(A), 'fatal', /"2001:db8::1", which is not an IPv4 address/);
    await rejectsWith(reader('echo "error: no such zone"').read!(A), 'fatal', /not an IPv4 address/);
  });

  it('exit 75 is transient, other codes fatal', async () => {
    await rejectsWith(reader('echo later >&2; exit 75').read!(A), 'transient', /read command \/bin\/sh exited with code 75: later/);
    await rejectsWith(reader('exit 1').read!(A), 'fatal', /exited with code 1$/);
  });

  it('more than 64 KiB of output is refused rather than cut', async () => {
    const p = provider({ command: ['false'], readCommand: nodeScript("process.stdout.write('192.0.2.1\\n'.repeat(10000))") });
    await rejectsWith(p.read!(A), 'fatal', /more than 64 KiB/);
  });

  it('parseReadOutput is the pure part', () => {
    assert.deepEqual(parseReadOutput(' 192.0.2.1\t192.0.2.2\r\n', 'A'), ['192.0.2.1', '192.0.2.2']);
    assert.deepEqual(parseReadOutput('', 'AAAA'), []);
  });
});
