import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { BIN } from '../helpers/cli.js';

const ROOT = join(dirname(BIN), '..');
const BUNDLE_DIR = join(ROOT, 'dist', 'bundle');

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

  it('is dnsfail.cjs and the chunks it loads when first used, each with its external source map (beside the provider kit, dnsfail/provider)', () => {
    assert.deepEqual(readdirSync(BUNDLE_DIR).sort(), ['chunks', 'dnsfail.cjs', 'dnsfail.cjs.map', 'provider', 'provider.mjs', 'provider.mjs.map']);
    const chunks = readdirSync(join(BUNDLE_DIR, 'chunks')).filter((f) => f.endsWith('.cjs'));
    assert.deepEqual(readdirSync(join(BUNDLE_DIR, 'chunks')).sort(), [...chunks, ...chunks.map((f) => `${f}.map`)].sort());
    const sources: string[] = [];
    for (const f of ['dnsfail.cjs', ...chunks.map((c) => join('chunks', c))]) {
      assert.ok(readFileSync(join(BUNDLE_DIR, f), 'utf8').endsWith(`\n//# sourceMappingURL=${f.replace(/^chunks\//, '')}.map\n`), f);
      sources.push(...(JSON.parse(readFileSync(join(BUNDLE_DIR, `${f}.map`), 'utf8')) as { sources: string[] }).sources);
    }
    assert.ok(sources.includes('../../src/cli/main.ts') && sources.includes('../../../src/config/load.ts'), 'the maps name the TypeScript sources');
    // zod's other languages come in whole when a module takes `z` as a named import instead of `* as z`.
    assert.deepEqual(sources.filter((s) => /\/zod\/v4\/locales\/(?!en\.js|index\.js)/.test(s)), []);
  });

  it('a cron check of a zone file and a tcp check loads no module it does not use (HTTP, TLS, child processes, fs/promises, v8, crypto, other providers) and nothing from node_modules', () => {
    const args = ['check', '-c', 'dnsfail.yaml', '--state', 'state.json'];
    const first = modulesLoaded(BIN, args, dir);
    assert.equal(first.code, 0, first.stderr);
    const again = modulesLoaded(BIN, args, dir);
    assert.equal(again.code, 0, again.stderr);
    // fs/promises: zone files are read with callback fs; v8: only large configs tune the heap;
    // crypto: only votes and lockouts hash.
    for (const heavy of ['http', 'https', 'tls', 'child_process', 'dgram', 'fs/promises', 'v8', 'crypto']) {
      assert.ok(!again.builtins.includes(heavy), `${heavy} was loaded`);
    }
    const files = again.files.filter((f) => !f.endsWith('report.cjs') && f !== BIN);
    assert.ok(files.includes(join(BUNDLE_DIR, 'dnsfail.cjs')));
    assert.deepEqual(files.filter((f) => !f.startsWith(BUNDLE_DIR + '/')), [], 'only files of the bundle');
    const named = files.map((f) => /\/chunks\/([a-z\d]+)-\w+\.cjs$/.exec(f)?.[1]).filter((n) => n && n !== 'chunk');
    assert.deepEqual(named.sort(), ['check', 'zonefile'], 'of the commands and providers, only check and zonefile');
  });

  it('the stack of an unexpected error names the src/…ts file and line (source maps), not bundle columns', () => {
    // A third-party provider with a real bug: create() reads a property of undefined (a TypeError).
    const broken = mkdtempSync(join(tmpdir(), 'dnsfail-bundle-bug-'));
    writeFileSync(
      join(broken, 'buggy.js'),
      `export default {\n  kind: 'buggy',\n  capabilities: { read: true },\n  configSchema: { safeParse: (v) => ({ success: true, data: v }) },\n  create(config) {\n    return config.missing.client;\n  },\n};\n`,
    );
    writeFileSync(join(broken, 'dnsfail.yaml'), `providers:\n  p: { type: ./buggy.js }\nrecords:\n  - { name: a.z.test, check: { type: tcp, port: 1, timeout: 1s }, servers: [127.0.0.1] }\n`);
    const r = spawnSync(process.execPath, [BIN, 'check', '-c', 'dnsfail.yaml', '--state', 'state.json'], { cwd: broken, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^unexpected error: TypeError: Cannot read properties of undefined \(reading 'client'\)\n/);
    assert.match(r.stderr, /buggy\.js:6:/);
    assert.match(r.stderr, /\(\/.*\/(src|providers)\/[\w/-]+\.ts:\d+:\d+\)/, 'a frame in a TypeScript source line');
    assert.doesNotMatch(r.stderr, /dnsfail\.cjs:/, 'no frame left in the minified bundle');
  });

  it('a checkout that was never built says so, without a stack', () => {
    const copy = mkdtempSync(join(tmpdir(), 'dnsfail-bundle-unbuilt-'));
    cpSync(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
    const r = spawnSync(process.execPath, [join(copy, 'bin', 'dnsfail.js'), 'check'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: dnsfail is not built \(cannot read .*dnsfail\.cjs: ENOENT\)\nhint: run npm run build\n$/);
  });
});

describe('the provider kit bundle (dnsfail/provider → dist/bundle/provider.mjs)', () => {
  it('exports what providers/kit/index.ts exports, and loads from the package name', async () => {
    const kit = (await import(pathToFileURL(join(ROOT, 'dist', 'providers', 'kit', 'index.js')).href)) as Record<string, unknown>;
    const bundled = (await import('dnsfail/provider' as string)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(bundled).sort(), Object.keys(kit).sort());
    assert.ok(Object.keys(bundled).includes('z'), 'zod/mini is re-exported');
  });

  it('its declarations refer only to each other and to the copy of zod\'s beside them', () => {
    const types = join(BUNDLE_DIR, 'provider');
    const files = readdirSync(types, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'));
    assert.ok(files.includes('index.d.ts') && files.includes(join('zod', 'mini', 'index.d.ts')));
    for (const f of files) {
      const text = readFileSync(join(types, f), 'utf8');
      for (const [, spec] of text.matchAll(/(?:from|import\()\s*["']([^"']+)["']/g)) {
        assert.match(spec!, /^\.{1,2}\//, `${f} imports ${spec}, which a user's project does not have`);
        assert.ok(existsSync(join(types, dirname(f), spec!.replace(/\.js$/, '.d.ts'))), `${f} imports ${spec}, which is not shipped`);
      }
    }
  });
});
