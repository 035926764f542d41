import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { BIN, runCli } from '../helpers/cli.js';
import { freePort, startHttpTarget, type Target } from '../helpers/targets.js';

const ROOT = join(BIN, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'custom-provider');

interface ExampleConfig {
  providers: Record<string, Record<string, unknown>>;
  defaults?: Record<string, unknown>;
  records: Array<Record<string, unknown>>;
}

describe('third-party provider by path (examples/custom-provider, built binary)', () => {
  let live: Target;
  let deadPort: number;
  const dirs: string[] = [];
  /** The example copied to a temp dir, its providers block untouched, its servers moved to loopback. */
  const copyExample = (edit: (c: ExampleConfig) => void = () => {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-custom-'));
    dirs.push(dir);
    // As `npm install dnsfail` there would: 'dnsfail/provider' resolves through node_modules/dnsfail.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'dnsfail'), 'dir');
    copyFileSync(join(EXAMPLE, 'provider.js'), join(dir, 'provider.js'));
    const config = parse(readFileSync(join(EXAMPLE, 'config.yaml'), 'utf8')) as ExampleConfig;
    config.defaults = { fall: 1, rise: 1 };
    const record = config.records[0]!;
    record.check = { type: 'http', port: live.port, timeout: '700ms' };
    record.servers = [
      { address: '127.0.0.2', label: 'primary', check: { port: deadPort } },
      { address: '127.0.0.3', label: 'backup' },
    ];
    edit(config);
    writeFileSync(join(dir, 'config.yaml'), stringify(config));
    return { dir, args: ['-c', join(dir, 'config.yaml'), '--state', join(dir, 'state.json')], records: join(dir, 'records.json') };
  };
  before(async () => {
    live = await startHttpTarget({ host: '127.0.0.3' });
    deadPort = await freePort('127.0.0.2');
  });
  after(async () => {
    await live.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('the example config refers to ./provider.js', () => {
    const config = parse(readFileSync(join(EXAMPLE, 'config.yaml'), 'utf8')) as ExampleConfig;
    assert.equal(Object.values(config.providers)[0]!.type, './provider.js');
  });

  it('fails over and writes the JSON file; a second run changes nothing', async () => {
    const s = copyExample();
    writeFileSync(s.records, JSON.stringify({ 'app.example.test': { A: { values: ['127.0.0.2'], ttl: 60 } } }));
    // From another working directory: ./provider.js and ./records.json are relative to the config.
    const first = await runCli(['check', ...s.args], { cwd: tmpdir() });
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.match(first.stdout, /changed app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3 \(127\.0\.0\.2 \(primary\) is down/);
    assert.deepEqual(JSON.parse(readFileSync(s.records, 'utf8')), { 'app.example.test': { A: { values: ['127.0.0.3'], ttl: 60 } } });

    const mtime = statSync(s.records).mtimeMs;
    const second = await runCli(['check', ...s.args], { cwd: tmpdir() });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout + second.stderr, '');
    assert.equal(statSync(s.records).mtimeMs, mtime);

    const status = await runCli(['status', '--json', ...s.args]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /127\.0\.0\.3/);
  });

  it('the example imports the kit (dnsfail/provider), not hand-written copies of the contract', () => {
    const text = readFileSync(join(EXAMPLE, 'provider.js'), 'utf8');
    assert.match(text, /from 'dnsfail\/provider'/);
    assert.doesNotMatch(text, /safeParse/);
  });

  it('its configSchema (the kit\'s zod/mini) reports problems like a built-in one (exit 2, path and line)', async () => {
    const s = copyExample((c) => {
      const block = Object.values(c.providers)[0]!;
      delete block.file;
      block.fil = './records.json';
    });
    const r = await runCli(['validate', ...s.args]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /config\.yaml:\d+: providers\.json\.fil: unknown key "fil" \(did you mean "file"\?\)/);
    assert.match(r.stderr, /providers\.json\.file: is required/);
  });

  it('a module path that does not exist: exit 2 naming providers.<id>.type, nothing probed or written', async () => {
    const s = copyExample((c) => {
      Object.values(c.providers)[0]!.type = './no-such-provider.js';
    });
    const hits = live.hits;
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /config\.yaml:\d+: providers\.json\.type: .*\.\/no-such-provider\.js.*not found/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(live.hits, hits);
    assert.equal(existsSync(s.records), false);
    assert.equal(existsSync(join(s.dir, 'state.json')), false);
  });

  it('a provider whose dnsfail/provider cannot be found (dnsfail not installed beside it): exit 2 saying so, not "not found"', async () => {
    const s = copyExample();
    rmSync(join(s.dir, 'node_modules'), { recursive: true });
    const r = await runCli(['validate', ...s.args]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /providers\.json\.type: provider module \.\/provider\.js failed to load: Cannot find package 'dnsfail' .*npm install dnsfail in its directory/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('a module that is not a provider: exit 2 saying what is missing', async () => {
    const s = copyExample((c) => {
      Object.values(c.providers)[0]!.type = './not-a-provider.js';
    });
    writeFileSync(join(s.dir, 'not-a-provider.js'), 'export default { kind: "x" };\n');
    const r = await runCli(['validate', ...s.args]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /providers\.json\.type: .*missing: .*create/);
  });

  it('an unknown bare type that is no installed dnsfail-provider-<name> package: exit 2', async () => {
    const s = copyExample((c) => {
      Object.values(c.providers)[0]!.type = 'no-such-thing';
    });
    const r = await runCli(['validate', ...s.args]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /providers\.json\.type: .*no-such-thing.*dnsfail-provider-no-such-thing/);
  });

  // The documented error contract: a provider throws the kit's ProviderError (or, as before the kit was
  // published, any Error with a `kind`, retryAfterMs and code), and the engine acts on its kind.
  const typedErrorProvider = (kind: string, style: 'kit' | 'plain') => `
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderError, registerSecret } from 'dnsfail/provider';
export default {
  kind: 'typed', description: 'throws', capabilities: { read: false, multiValue: false, aaaa: false, ttl: false, compareAndSet: false, batch: false },
  configSchema: { safeParse: (v) => ({ success: true, data: v }) },
  create(config, ctx) {
    const counter = join(ctx.baseDir, 'calls');
    // A credential the provider derives itself: registered, it never reaches dnsfail's output.
    const session = 'session-' + 'f00dfeed42';
    registerSecret(session);
    return {
      async write() {
        let n = 0;
        try { n = Number(readFileSync(counter, 'utf8')); } catch {}
        writeFileSync(counter, String(n + 1));
        if (${JSON.stringify(kind)} === 'transient' && n > 0) return;
        const message = 'the service said ${kind} to ' + session;
        throw ${style === 'kit' ? `new ProviderError(${JSON.stringify(kind)}, message, { code: 'abuse' })` : `Object.assign(new Error(message), { kind: ${JSON.stringify(kind)}, code: 'abuse' })`};
      },
    };
  },
};
`;
  const typedSetup = (kind: string, style: 'kit' | 'plain' = 'kit') => {
    const s = copyExample((c) => {
      c.providers = { json: { type: './typed.js' } };
    });
    writeFileSync(join(s.dir, 'typed.js'), typedErrorProvider(kind, style));
    return { ...s, calls: () => Number(readFileSync(join(s.dir, 'calls'), 'utf8')) };
  };

  it('a thrown ProviderError("transient") of the kit is retried within the run', async () => {
    const s = typedSetup('transient');
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(s.calls(), 2);
  });

  for (const style of ['kit', 'plain'] as const) {
    it(`a thrown ${style === 'kit' ? 'ProviderError("lockout") of the kit' : 'Error with kind "lockout"'} is persisted: the next run makes no call; the provider's registered secret is never printed`, async () => {
      const s = typedSetup('lockout', style);
      const first = await runCli(['check', ...s.args]);
      assert.equal(first.code, 1);
      assert.equal(s.calls(), 1);
      assert.match(first.stdout + first.stderr, /the service said lockout to \*\*\*/);
      assert.doesNotMatch(first.stdout + first.stderr, /f00dfeed42/);
      const second = await runCli(['check', ...s.args]);
      assert.equal(second.code, 1);
      assert.match(second.stdout + second.stderr, /locked out/);
      assert.equal(s.calls(), 1, 'no call while locked out');
    });
  }
});
