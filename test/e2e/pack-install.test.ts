import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN } from '../helpers/cli.js';

const ROOT = join(dirname(BIN), '..');

const npm = (args: string[], cwd: string, env: Record<string, string> = {}) =>
  spawnSync('npm', args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', npm_config_update_notifier: 'false', ...env } });

describe('npm pack, then npm install -g of the tarball into a fresh prefix', () => {
  let target: Server;
  let tmp: string;
  let prefix: string;
  let files: string[];
  let install: ReturnType<typeof npm>;
  before(async () => {
    target = createServer((s) => s.end());
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    tmp = mkdtempSync(join(tmpdir(), 'dnsfail-pack-'));
    // --ignore-scripts: `prepare` would rebuild dist/ under the other tests running at the same time.
    const pack = npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], ROOT);
    assert.equal(pack.status, 0, pack.stderr);
    const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed!.files.map((f) => f.path).sort();
    prefix = join(tmp, 'prefix');
    // --offline: the package has no dependencies, so nothing may need the registry.
    install = npm(['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(tmp, packed!.filename)], tmp);
  });
  after(() => target.close());

  it('ships only what runs: the bin, the bundle and its source map, README, LICENSE, provider READMEs, examples', () => {
    for (const f of files) assert.match(f, /^(bin\/|dist\/bundle\/dnsfail\.cjs(\.map)?$|README\.md$|LICENSE$|package\.json$|providers\/([a-z0-9]+\/)?README\.md$|examples\/)/, `${f} is packed`);
    for (const f of ['bin/dnsfail.js', 'dist/bundle/dnsfail.cjs', 'dist/bundle/dnsfail.cjs.map', 'LICENSE', 'README.md', 'providers/README.md', 'providers/zonefile/README.md']) assert.ok(files.includes(f), `${f} is missing`);
    // Every provider README the README links to is in the package.
    for (const [, link] of readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/\]\((providers\/[^)#]+)/g)) assert.ok(files.includes(link!), `${link} is linked but not packed`);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(pkg.dependencies, undefined);
    assert.ok(pkg.repository);
  });

  it('installs one package, with no dependency and no install-script warning', () => {
    assert.equal(install.status, 0, install.stderr);
    assert.match(install.stdout, /added 1 package/);
    assert.doesNotMatch(install.stderr, /warn/i);
    assert.equal(existsSync(join(prefix, 'lib', 'node_modules', 'dnsfail', 'node_modules')), false);
  });

  it('`dnsfail demo` and `dnsfail check` (a zone file, a loopback target) work from another directory', () => {
    const bin = join(prefix, 'bin', 'dnsfail');
    const elsewhere = join(tmp, 'elsewhere');
    mkdirSync(elsewhere);
    const env = { PATH: process.env.PATH ?? '' };
    const demo = spawnSync(bin, ['demo'], { cwd: elsewhere, env, encoding: 'utf8' });
    assert.equal(demo.status, 0, demo.stderr);
    const port = (target.address() as { port: number }).port;
    writeFileSync(
      join(elsewhere, 'dnsfail.yaml'),
      `providers:\n  local: { type: zonefile, file: ./z.test.zone, zone: z.test }\nrecords:\n  - { name: a.z.test, check: { type: tcp, port: ${port}, timeout: 1s }, servers: [127.0.0.1] }\n`,
    );
    const check = spawnSync(bin, ['check', '--state', 'state.json'], { cwd: elsewhere, env, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    assert.match(readFileSync(join(elsewhere, 'z.test.zone'), 'utf8'), /127\.0\.0\.1/);
  });
});
