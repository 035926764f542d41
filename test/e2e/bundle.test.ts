import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Script } from 'node:vm';
import { BIN } from '../helpers/cli.js';

const ROOT = join(dirname(BIN), '..');
const BUNDLE = join(ROOT, 'dist', 'bundle', 'dnsfail.cjs');
const VENDOR = join('dist', 'bundle', 'vendor');

/** Runs the bin at `bin` with a preload that reports the Node built-ins and the files the process loaded. */
function modulesLoaded(bin: string, args: string[], cwd: string): { code: number | null; builtins: string[]; files: string[]; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-bundle-'));
  const out = join(dir, 'loaded.json');
  const preload = join(dir, 'report.cjs');
  writeFileSync(
    preload,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ builtins: process.moduleLoadList, files: Object.keys(require.cache) })));\n`,
  );
  const r = spawnSync(process.execPath, ['-r', preload, bin, ...args], { cwd, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
  const { builtins, files } = JSON.parse(readFileSync(out, 'utf8')) as { builtins: string[]; files: string[] };
  return { code: r.status, stderr: r.stderr, builtins: builtins.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)), files };
}

describe('the bundled CLI (bin/dnsfail.js → dist/bundle/dnsfail.cjs)', () => {
  let target: Server;
  let dir: string;
  before(async () => {
    target = createServer((s) => s.end());
    const port = await new Promise<number>((r) => target.listen(0, '127.0.0.1', () => r((target.address() as { port: number }).port)));
    dir = mkdtempSync(join(tmpdir(), 'dnsfail-bundle-'));
    writeFileSync(
      join(dir, 'dnsfail.yaml'),
      `providers:\n  local: { type: zonefile, file: ./z.test.zone, zone: z.test }\nrecords:\n  - { name: a.z.test, check: { type: tcp, port: ${port}, timeout: 1s }, servers: [127.0.0.1] }\n`,
    );
  });
  after(() => target.close());

  it('is ASCII only, as the bin reads it (latin1)', () => {
    for (const file of [BUNDLE, ...readdirSync(join(ROOT, VENDOR)).map((f) => join(ROOT, VENDOR, f))]) {
      const bytes = readFileSync(file);
      assert.equal(bytes.findIndex((b) => b > 0x7f), -1, `${file} has a non-ASCII byte`);
    }
  });

  it('ships a V8 code cache that this Node accepts, and the bin uses it', () => {
    // The bundle is the CommonJS wrapper function itself, compiled as it is (src/build/bundle.ts).
    const script = new Script(readFileSync(BUNDLE, 'latin1'), { filename: BUNDLE, cachedData: readFileSync(`${BUNDLE}.cache`) });
    assert.equal(script.cachedDataRejected, false);
    const r = spawnSync(process.execPath, [BIN, 'validate', '-c', 'dnsfail.yaml'], { cwd: dir, env: { PATH: process.env.PATH ?? '', DNSFAIL_DEBUG_CODE_CACHE: '1' }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, 'code cache: used\n');
  });

  it('a cron check of a zone file and a tcp check loads no module it does not use (HTTP, TLS, crypto, child processes, fs/promises, tty, v8)', () => {
    const args = ['check', '-c', 'dnsfail.yaml', '--state', 'state.json'];
    const first = modulesLoaded(BIN, args, dir);
    assert.equal(first.code, 0, first.stderr);
    const again = modulesLoaded(BIN, args, dir);
    assert.equal(again.code, 0, again.stderr);
    // fs/promises: zone files are read with callback fs; tty: chalk loads only to print; v8: only large configs tune the heap.
    for (const heavy of ['http', 'https', 'tls', 'crypto', 'child_process', 'dgram', 'fs/promises', 'tty', 'v8']) {
      assert.ok(!again.builtins.includes(heavy), `${heavy} was loaded`);
    }
    assert.deepEqual(again.files.filter((f) => f.includes(VENDOR)), [], 'a vendor bundle was loaded');
  });

  it('keeps yargs, got, cron-parser, dns-packet and aws4 in vendor bundles that load when used', () => {
    assert.deepEqual(readdirSync(join(ROOT, VENDOR)).sort(), ['aws4.cjs', 'cron-parser.cjs', 'dns-packet.cjs', 'got.cjs', 'yargs.cjs']);
    const main = readFileSync(BUNDLE, 'utf8');
    for (const name of ['yargs', 'got', 'cron-parser', 'dns-packet', 'aws4']) assert.ok(main.includes(`require("./vendor/${name}.cjs")`), `${name} is required from its vendor bundle`);
    // What the CLI imports from each is there (the providers' and watch's own tests use them through the bin).
    const load = (name: string) => createRequire(BUNDLE)(`./vendor/${name}.cjs`) as Record<string, unknown>;
    assert.equal(typeof load('got').default, 'function');
    assert.equal(typeof load('got').RequestError, 'function');
    assert.equal(typeof load('yargs').default, 'function');
    assert.equal(typeof (load('cron-parser').CronExpressionParser as { parse?: unknown }).parse, 'function');
    assert.equal(typeof (load('dns-packet').default as { encode?: unknown }).encode, 'function');
    assert.equal(typeof (load('aws4').default as { sign?: unknown }).sign, 'function');

    const help = modulesLoaded(BIN, ['--help'], dir);
    assert.equal(help.code, 0, help.stderr);
    assert.deepEqual(help.files.filter((f) => f.includes(VENDOR)), [join(ROOT, VENDOR, 'yargs.cjs')]);
  });

  it('runs the same without its cache, or with a cache V8 rejects', () => {
    const copy = mkdtempSync(join(tmpdir(), 'dnsfail-bundle-copy-'));
    cpSync(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
    mkdirSync(join(copy, 'dist', 'bundle'), { recursive: true });
    cpSync(BUNDLE, join(copy, 'dist', 'bundle', 'dnsfail.cjs'));
    const bin = join(copy, 'bin', 'dnsfail.js');
    const run = () =>
      spawnSync(process.execPath, [bin, 'check', '-c', 'dnsfail.yaml', '--state', 'state.json', '--json'], { cwd: dir, env: { PATH: process.env.PATH ?? '', DNSFAIL_DEBUG_CODE_CACHE: '1' }, encoding: 'utf8' });
    const none = run();
    assert.equal(none.status, 0, none.stderr);
    assert.equal(none.stderr, 'code cache: none\n');
    assert.equal(JSON.parse(none.stdout).records[0].name, 'a.z.test');
    writeFileSync(join(copy, 'dist', 'bundle', 'dnsfail.cjs.cache'), Buffer.alloc(4096, 7));
    const junk = run();
    assert.equal(junk.status, 0, junk.stderr);
    assert.equal(junk.stderr, 'code cache: refused\n');
    assert.equal(JSON.parse(junk.stdout).records[0].name, 'a.z.test');
  });

  it('a build missing a vendor bundle says so, without a stack, both through yargs and through a provider', () => {
    const copy = mkdtempSync(join(tmpdir(), 'dnsfail-bundle-partial-'));
    cpSync(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
    cpSync(join(ROOT, 'dist', 'bundle'), join(copy, 'dist', 'bundle'), { recursive: true });
    for (const name of ['yargs.cjs', 'got.cjs']) rmSync(join(copy, VENDOR, name));
    const config = join(copy, 'cf.yaml');
    writeFileSync(config, 'providers:\n  cf: { type: cloudflare, token: abcdefgh }\nrecords:\n  - { name: a.example.test, servers: [127.0.0.2], check: { type: tcp, port: 1 } }\n', { mode: 0o600 });
    const run = (args: string[]) => spawnSync(process.execPath, [join(copy, 'bin', 'dnsfail.js'), ...args], { cwd: copy, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    for (const [args, file] of [[['--help'], 'yargs.cjs'], [['check', '-c', config, '--state', join(copy, 's.json')], 'got.cjs']] as const) {
      const r = run([...args]);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `error: dnsfail is not built completely (./vendor/${file} is missing)\nhint: run npm ci, or npm run build\n`);
    }
  });

  it('a checkout that was never built says so, without a stack', () => {
    const copy = mkdtempSync(join(tmpdir(), 'dnsfail-bundle-unbuilt-'));
    cpSync(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
    const r = spawnSync(process.execPath, [join(copy, 'bin', 'dnsfail.js'), 'check'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: dnsfail is not built \(cannot read .*dnsfail\.cjs: ENOENT\)\nhint: run npm ci, or npm run build\n$/);
  });
});
