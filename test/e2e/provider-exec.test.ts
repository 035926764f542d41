import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, runCli } from '../helpers/cli.js';
import { startLiveBackup, type Target } from '../helpers/targets.js';

const EXAMPLE_HOOK = join(BIN, '..', '..', 'examples', 'exec', 'update-record.sh');

// A hook pair the way a user writes one: executable scripts next to the config, referenced as ./x.
// The "DNS service" is records.json; writes.count counts runs of the write hook.
const STORE_HOOK = `#!${process.execPath}
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
const env = process.env;
const load = () => { try { return JSON.parse(readFileSync('records.json', 'utf8')); } catch { return {}; } };
const key = env.DNSFAIL_NAME + '/' + env.DNSFAIL_TYPE;
if (process.argv[2] === 'read') {
  const rec = load()[key];
  if (!rec) process.exit(3);
  console.log(rec.join('\\n'));
} else {
  let n = 0;
  try { n = Number(readFileSync('writes.count', 'utf8')); } catch {}
  writeFileSync('writes.count', String(n + 1));
  if (env.FAIL_FIRST_WITH && n === 0) { console.error('service busy, try later'); process.exit(Number(env.FAIL_FIRST_WITH)); }
  if (env.ALWAYS_FAIL) { console.error('first line'); console.error('zone is frozen by the registrar'); process.exit(2); }
  const db = load();
  db[key] = env.DNSFAIL_VALUES.split(' ');
  writeFileSync('records.json.tmp', JSON.stringify(db));
  renameSync('records.json.tmp', 'records.json');
  writeFileSync('last-env.json', JSON.stringify({ ttl: env.DNSFAIL_TTL, previous: env.DNSFAIL_PREVIOUS, extra: env.EXTRA }));
}
`;

interface Setup {
  dir: string;
  args: string[];
  records(): Record<string, string[]>;
  writes(): number;
}

/** `provider` is the YAML line of the provider entry `hook`, given the directory of the config. */
function setup(provider: (dir: string) => string, opts: { seed?: Record<string, string[]>; port: number }): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-exec-'));
  writeFileSync(join(dir, 'store.mjs'), STORE_HOOK, { mode: 0o755 });
  if (opts.seed) writeFileSync(join(dir, 'records.json'), JSON.stringify(opts.seed));
  writeFileSync(
    join(dir, 'dnsfail.yaml'),
    `providers:
  hook: ${provider(dir)}
defaults: { fall: 1, rise: 1 }
records:
  - name: app.example.test
    provider: hook
    ttl: 45
    check: { type: http, port: ${opts.port}, timeout: 700ms }
    servers:
      - { address: 127.0.0.2, label: primary }
      - { address: 127.0.0.3, label: backup }
`,
  );
  const read = (f: string, fallback: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : fallback);
  return {
    dir,
    args: ['-c', join(dir, 'dnsfail.yaml'), '--state', join(dir, 'state.json')],
    records: () => JSON.parse(read('records.json', '{}')) as Record<string, string[]>,
    writes: () => Number(read('writes.count', '0')),
  };
}

describe('exec provider (built binary, hook scripts, loopback targets)', () => {
  let live: Target;
  const dirs: string[] = [];
  const make = (provider: string | ((dir: string) => string), seed?: Record<string, string[]>) => {
    const s = setup(typeof provider === 'string' ? () => provider : provider, { port: live.port, ...(seed ? { seed } : {}) });
    dirs.push(s.dir);
    return s;
  };
  before(async () => {
    live = await startLiveBackup();
  });
  after(async () => {
    await live.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('with readCommand: fails over from the dead primary, then a second run runs no write hook', async () => {
    const s = make(
      `{ type: exec, command: ["./store.mjs", "write"], readCommand: ["./store.mjs", "read"], timeout: 10s, env: { EXTRA: "\${EXEC_E2E_EXTRA:-from-default}" } }`,
      { 'app.example.test/A': ['127.0.0.2'] },
    );
    const first = await runCli(['check', ...s.args]);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.match(first.stdout, /changed app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3 \(127\.0\.0\.2 \(primary\) is down/);
    assert.deepEqual(s.records()['app.example.test/A'], ['127.0.0.3']);
    assert.equal(s.writes(), 1);
    assert.deepEqual(JSON.parse(readFileSync(join(s.dir, 'last-env.json'), 'utf8')), { ttl: '45', previous: '127.0.0.2', extra: 'from-default' });

    const second = await runCli(['check', ...s.args]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout + second.stderr, '');
    assert.equal(s.writes(), 1, 'no write hook run when the record is in sync');

    // Someone changes the record behind dnsfail's back: the read hook sees it and dnsfail repairs it.
    writeFileSync(join(s.dir, 'records.json'), JSON.stringify({ 'app.example.test/A': ['192.0.2.99'] }));
    const third = await runCli(['check', ...s.args]);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stdout, /192\.0\.2\.99 → 127\.0\.0\.3/);
    assert.equal(s.writes(), 2);
  });

  it('the example hook (examples/exec/update-record.sh) as it ships: logs one line, and only once', async () => {
    const s = make((dir) => `{ type: exec, command: [${JSON.stringify(EXAMPLE_HOOK)}], env: { HOOK_LOG: ${JSON.stringify(join(dir, 'hook.log'))} } }`);
    const log = join(s.dir, 'hook.log');
    const first = await runCli(['check', ...s.args]);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.match(first.stdout, /changed app\.example\.test A: \(missing\) → 127\.0\.0\.3/);
    assert.match(readFileSync(log, 'utf8'), /^\d{4}-\d\d-\d\dT[\d:]+Z app\.example\.test A 127\.0\.0\.3 ttl=45 previous=-\n$/);
    const second = await runCli(['check', ...s.args]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(readFileSync(log, 'utf8').split('\n').length, 2, 'one line: the state file said it was published');
  });

  it('exit 75 from the hook is retried within the run', async () => {
    const s = make(`{ type: exec, command: ["./store.mjs", "write"], env: { FAIL_FIRST_WITH: "75" } }`);
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(s.writes(), 2);
    assert.deepEqual(s.records()['app.example.test/A'], ['127.0.0.3']);
  });

  it('another exit code fails the run (exit 1) with the code and the last stderr line, without retrying', async () => {
    const s = make(`{ type: exec, command: ["./store.mjs", "write"], env: { ALWAYS_FAIL: "1" } }`);
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 1);
    assert.match(r.stdout + r.stderr, /write command \.\/store\.mjs exited with code 2: zone is frozen by the registrar/);
    assert.equal(s.writes(), 1);
  });

  it('a hook that cannot be found is a run failure naming it, not a config error', async () => {
    const s = make(`{ type: exec, command: ["./no-such-hook"] }`);
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 1);
    assert.match(r.stdout + r.stderr, /write command \.\/no-such-hook: not found/);
  });

  it('a bad exec block is a config error (exit 2) naming the key', async () => {
    const s = make(`{ type: exec, command: "./store.mjs write" }`);
    const hits = live.hits;
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /dnsfail\.yaml:\d+: providers\.hook\.command: /);
    assert.equal(s.writes(), 0);
    assert.equal(live.hits, hits, 'nothing was probed');
  });
});
