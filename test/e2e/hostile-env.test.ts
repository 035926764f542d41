import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCounters, type Counters } from '../helpers/bad-input.js';
import { BIN, type CliResult } from '../helpers/cli.js';
import { findTool } from '../helpers/require-tool.js';

/**
 * The built CLI under environments that refuse what it needs. Every row: the exit code, no
 * "unexpected error" and no stack, and where the state or config path is unusable, exit 2 with one
 * line naming the path, nothing probed, nothing written. One row per environment × command.
 */

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];
const isRoot = process.getuid?.() === 0;
const setpriv = findTool('setpriv');

type Command = 'check' | 'check --dry-run' | 'status' | 'watch' | 'validate';
const COMMANDS: Command[] = ['check', 'check --dry-run', 'status', 'watch', 'validate'];
const ARGS: Record<Command, string[]> = {
  check: ['check'],
  'check --dry-run': ['check', '--dry-run'],
  status: ['status'],
  watch: ['watch', '--interval', '1s', '--max-runs', '1'],
  validate: ['validate'],
};

/**
 * What a row expects: refused (exit 2, one line matching, nothing probed or written), a warning
 * matching and that exit code, a normal run, or (a limit that bites at no fixed point) a normal run
 * or an error that says EMFILE: exit 2 with the fix when it bites before probing, 1 when a provider
 * read fails later (nothing written on a guess).
 */
type Expect = { refused: RegExp } | { warned: RegExp; code: number } | { code: number } | { emfile: true };

interface Env {
  name: string;
  /** Why the row cannot run here, or null. */
  skip?: () => string | null;
  /** Makes the sandbox; returns the arguments and how to spawn. */
  setup(box: string): { state?: string; config?: string; user?: 'nobody'; env?: Record<string, string | undefined>; stdout?: 'closed' | 'broken'; maxFiles?: number };
  expect: Partial<Record<Command, Expect>> & { default: Expect };
  teardown?(box: string): void;
}

const rootOnly = () => (isRoot && setpriv ? null : 'needs root and setpriv to run as nobody (CI runs as root)');

function mountTmpfs(dir: string, options: string): string | null {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? null : `cannot mount a tmpfs here (${(r.stderr || r.error?.message || '').trim()})`;
}
const unmount = (dir: string) => spawnSync('umount', [dir]);

const ENVS: Env[] = [
  {
    name: 'state parent is a file',
    setup: (box) => {
      writeFileSync(join(box, 'afile'), '');
      return { state: join(box, 'afile', 'state.json') };
    },
    expect: { default: { refused: /afile\/state\.json.*a part of the path is a file/ }, validate: { code: 0 } },
  },
  {
    name: 'state path is a directory',
    setup: (box) => {
      mkdirSync(join(box, 'statedir'));
      return { state: join(box, 'statedir') };
    },
    expect: { default: { refused: /statedir.*it is a directory \(EISDIR\)/ }, validate: { code: 0 } },
  },
  {
    // Node's recursive mkdir spins forever here: /proc exists and answers ENOENT for a new child.
    name: 'state directory under /proc',
    skip: () => (existsSync('/proc/self/stat') ? null : 'no /proc on this system'),
    setup: () => ({ state: '/proc/dnsfail-no-such-dir/state.json' }),
    expect: {
      default: { refused: /cannot take the state lock \/proc\/dnsfail-no-such-dir\/state\.json\.lock .*no such file or directory \(ENOENT\)/ },
      'check --dry-run': { warned: /a real run would fail: cannot write the state file \/proc\/dnsfail-no-such-dir\/state\.json/, code: 0 },
      status: { code: 0 },
      validate: { code: 0 },
    },
  },
  {
    name: 'state directory not writable, as an unprivileged user',
    skip: rootOnly,
    setup: (box) => {
      mkdirSync(join(box, 'ro'), { mode: 0o555 });
      return { state: join(box, 'ro', 'sub', 'state.json'), user: 'nobody' };
    },
    expect: {
      default: { refused: /ro\/sub\/state\.json.*permission denied \(EACCES\)/ },
      'check --dry-run': { warned: /a real run would fail: .*ro\/sub\/state\.json.*permission denied/, code: 0 },
      status: { code: 0 },
      validate: { code: 0 },
    },
  },
  {
    name: 'no HOME or XDG dirs, as an unprivileged user (default state in /var/lib)',
    skip: () => rootOnly() ?? (existsSync('/var/lib/dnsfail/state.json') ? '/var/lib/dnsfail/state.json exists on this machine' : null),
    setup: () => ({ user: 'nobody', env: { HOME: undefined, XDG_STATE_HOME: undefined, XDG_CONFIG_HOME: undefined } }),
    expect: {
      default: { refused: /\/var\/lib\/dnsfail\/state\.json.*(permission denied|a part of the path)/ },
      'check --dry-run': { warned: /a real run would fail: .*\/var\/lib\/dnsfail\/state\.json/, code: 0 },
      status: { code: 0 },
      validate: { code: 0 },
    },
  },
  {
    name: 'read-only file system',
    skip: () => (isRoot ? null : 'needs root to mount a tmpfs'),
    setup: (box) => {
      const why = mountTmpfs(join(box, 'rofs'), 'ro,size=16k');
      if (why) throw new SkipRow(why);
      return { state: join(box, 'rofs', 'state.json') };
    },
    teardown: (box) => unmount(join(box, 'rofs')),
    expect: {
      default: { refused: /rofs\/state\.json.*read-only file system \(EROFS\)/ },
      'check --dry-run': { warned: /a real run would fail: .*rofs\/state\.json.*read-only file system/, code: 0 },
      status: { code: 0 },
      validate: { code: 0 },
    },
  },
  {
    name: 'full file system (a 16 KiB tmpfs, filled)',
    skip: () => (isRoot ? null : 'needs root to mount a tmpfs'),
    setup: (box) => {
      const why = mountTmpfs(join(box, 'full'), 'size=16k');
      if (why) throw new SkipRow(why);
      spawnSync('sh', ['-c', `cat /dev/zero > ${join(box, 'full', 'fill')}`]);
      return { state: join(box, 'full', 'state.json') };
    },
    teardown: (box) => unmount(join(box, 'full')),
    expect: {
      default: { refused: /full\/state\.json.*no space left on the device \(ENOSPC\)/ },
      'check --dry-run': { warned: /a real run would fail: .*full\/state\.json.*no space left/, code: 0 },
      status: { code: 0 },
      validate: { code: 0 },
    },
  },
  {
    name: 'config path is a directory',
    setup: (box) => {
      mkdirSync(join(box, 'confdir'));
      return { config: join(box, 'confdir') };
    },
    expect: { default: { refused: /cannot read config .*confdir: it is a directory \(EISDIR\); pass the file itself: --config FILE/ } },
  },
  {
    name: 'config not readable, as an unprivileged user',
    skip: rootOnly,
    setup: (box) => {
      chmodSync(join(box, 'dnsfail.yaml'), 0o600);
      return { user: 'nobody' };
    },
    expect: { default: { refused: /cannot read config .*dnsfail\.yaml: permission denied \(EACCES\)/ } },
  },
  // Node itself needs some 19 descriptors to start (below that it aborts before any dnsfail code runs):
  // from the lowest limit it starts at, each command either runs or says EMFILE and the fix.
  ...[0, 1, 2, 4].map(
    (extra): Env => ({
      name: `open-file limit: the lowest node starts with + ${extra}`,
      setup: (box) => ({ state: join(box, 'state', 'state.json'), maxFiles: lowestFileLimit() + extra }),
      expect: { default: { emfile: true } },
    }),
  ),
  {
    name: 'stdout closed',
    setup: () => ({ stdout: 'closed' }),
    expect: { default: { code: 0 } },
  },
  {
    name: 'stdout a broken pipe',
    setup: () => ({ stdout: 'broken' }),
    expect: { default: { code: 0 } },
  },
];

class SkipRow extends Error {}

let lowest: number | undefined;
/** The smallest `ulimit -n` at which `dnsfail --version` (node and the shim, no bundle) runs. */
function lowestFileLimit(): number {
  for (let n = 8; lowest === undefined && n <= 256; n++) {
    if (spawnSync('sh', ['-c', `ulimit -n ${n} && exec "$@"`, 'sh', process.execPath, BIN, '--version'], { stdio: 'ignore' }).status === 0) lowest = n;
  }
  if (lowest === undefined) throw new Error('dnsfail --version did not run with up to 256 open files');
  return lowest;
}

/** Every regular file under dir (what "nothing written" is checked against). */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((p) => statSync(p, { throwIfNoEntry: false })?.isFile())
    .sort();

function run(args: string[], how: ReturnType<Env['setup']>, cwd: string): Promise<CliResult> {
  const t0 = performance.now();
  const env: Record<string, string> = {};
  const wanted = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', TZ: 'UTC', ...how.env };
  for (const [k, v] of Object.entries(wanted)) if (v !== undefined) env[k] = v;
  const node = [process.execPath, BIN, ...args];
  const argv =
    how.user === 'nobody'
      ? [setpriv!, ...NOBODY, ...node]
      : how.stdout === 'closed'
        ? ['sh', '-c', 'exec "$@" >&-', 'sh', ...node]
        : how.maxFiles
          ? ['sh', '-c', `ulimit -n ${how.maxFiles} && exec "$@"`, 'sh', ...node]
          : node;
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    if (how.stdout === 'broken') child.stdout.destroy(); // the reader is gone before the first line
    else child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? -1 : null), stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

describe('hostile environments: errors from the environment are errors, not bugs', () => {
  let counters: Counters;
  let root: string;

  before(async () => {
    counters = await startCounters();
    root = mkdtempSync(join(tmpdir(), 'dnsfail-hostile-'));
    chmodSync(root, 0o755); // the unprivileged rows must reach their sandbox
  });
  after(async () => {
    await counters.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('a disk that fills between the lock and the state write: exit 1 (the run happened), one line naming the path, no temp file left', async (t) => {
    if (!isRoot) return t.skip('needs root to mount a tmpfs');
    const box = join(root, 'late-full');
    const mnt = join(box, 'mnt');
    const why = mountTmpfs(mnt, 'size=16k');
    if (why) return t.skip(why);
    try {
      writeFileSync(join(mnt, 'fill'), Buffer.alloc(12 * 1024)); // one 4 KiB page left: the lock takes it
      writeFileSync(
        join(box, 'dnsfail.yaml'),
        `providers:\n  local: { type: zonefile, file: ./example.test.zone, zone: example.test }\nrecords:\n  - name: app.example.test\n    servers:\n      - { address: 127.0.0.2, check: { type: tcp, port: ${counters.probePort}, timeout: 2s } }\n`,
      );
      const r = await run(['check', '-c', join(box, 'dnsfail.yaml'), '--state', join(mnt, 'state.json')], {}, box);
      const shown = `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
      assert.equal(r.code, 1, shown);
      assert.equal(r.stderr, `error: cannot write the state file ${join(mnt, 'state.json')}: no space left on the device (ENOSPC); free space on that file system, or pass --state PATH\n`);
      assert.deepEqual(readdirSync(mnt), ['fill']);
    } finally {
      unmount(mnt);
    }
  });

  let n = 0;
  for (const e of ENVS) {
    for (const command of COMMANDS) {
      const expect = e.expect[command] ?? e.expect.default;
      it(`${e.name} × ${command}`, async (t) => {
        const why = e.skip?.();
        if (why) return t.skip(why);
        const box = join(root, String(++n));
        mkdirSync(box, { mode: 0o755 });
        // The zone file's directory is the box itself: a row that refuses must not create it.
        writeFileSync(
          join(box, 'dnsfail.yaml'),
          `providers:\n  local: { type: zonefile, file: ./zone/example.test.zone, zone: example.test }\nrecords:\n  - name: app.example.test\n    servers:\n      - { address: 127.0.0.2, check: { type: tcp, port: ${counters.probePort}, timeout: 2s } }\n`,
          { mode: 0o644 },
        );
        mkdirSync(join(box, 'zone'), { mode: 0o777 });
        chmodSync(join(box, 'zone'), 0o777);
        let how;
        try {
          how = e.setup(box);
        } catch (err) {
          if (err instanceof SkipRow) return t.skip(err.message);
          throw err;
        }
        try {
          const before = filesUnder(box);
          const probesBefore = counters.tcp;
          const args = [...ARGS[command], '-c', how.config ?? join(box, 'dnsfail.yaml'), ...(how.state ? ['--state', how.state] : [])];
          const r = await run(args, how, box);
          const shown = `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
          assert.doesNotMatch(r.stderr, /unexpected error|This is a bug|\n\s+at |EPIPE/, shown);
          if ('emfile' in expect) {
            const errors = r.stderr.split('\n').filter((l) => /^error\b/.test(l));
            if (r.code !== 0) assert.ok(errors.length > 0 && errors.every((l) => /EMFILE/.test(l)), shown);
            if (r.code === 2) assert.match(r.stderr, /raise the open-file limit \(ulimit -n\)/, shown);
            assert.ok(r.code === 0 || r.code === 1 || r.code === 2, shown);
          } else if ('refused' in expect) {
            assert.equal(r.code, 2, shown);
            const lines = r.stderr.trimEnd().split('\n');
            assert.equal(lines.length, 1, `one line on stderr\n${shown}`);
            assert.match(lines[0]!, /^error: /, shown);
            assert.match(lines[0]!, expect.refused, shown);
            assert.equal(counters.tcp, probesBefore, `nothing probed\n${shown}`);
            assert.deepEqual(filesUnder(box), before, `nothing written\n${shown}`);
            assert.ok(!existsSync('/var/lib/dnsfail/state.json.lock'), 'no lock left in /var/lib/dnsfail');
          } else {
            assert.equal(r.code, expect.code, shown);
            if ('warned' in expect) {
              const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
              assert.equal(warnings.length, 1, shown);
              assert.match(warnings[0]!, expect.warned, shown);
            }
            // Only a real check or watch may write (the zone file, the state file).
            if (command !== 'check' && command !== 'watch') assert.deepEqual(filesUnder(box), before, `nothing written\n${shown}`);
          }
        } finally {
          e.teardown?.(box);
        }
      });
    }
  }
});
