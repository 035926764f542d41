import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
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
  let packedName: string;
  before(async () => {
    target = createServer((s) => s.end());
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    tmp = mkdtempSync(join(tmpdir(), 'dnsfail-pack-'));
    // --ignore-scripts: `prepare` would rebuild dist/ under the other tests running at the same time.
    const pack = npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], ROOT);
    assert.equal(pack.status, 0, pack.stderr);
    const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed!.files.map((f) => f.path).sort();
    packedName = packed!.filename;
    prefix = join(tmp, 'prefix');
    // --offline: the package has no dependencies, so nothing may need the registry.
    install = npm(['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(tmp, packed!.filename)], tmp);
  });
  after(() => target.close());

  it('ships only what runs: the bin, the bundle and its chunks with their source maps, the provider kit and its types, README, LICENSE, provider READMEs, examples', () => {
    for (const f of files) {
      assert.match(f, /^(bin\/|dist\/bundle\/(dnsfail\.cjs|chunks\/[\w-]+\.cjs|provider\.mjs)(\.map)?$|dist\/bundle\/provider\/.*(\.d\.ts|LICENSE)$|README\.md$|LICENSE$|package\.json$|providers\/([a-z0-9]+\/)?README\.md$|examples\/)/, `${f} is packed`);
    }
    for (const f of ['bin/dnsfail.js', 'dist/bundle/dnsfail.cjs', 'dist/bundle/dnsfail.cjs.map', 'dist/bundle/provider.mjs', 'dist/bundle/provider/index.d.ts', 'LICENSE', 'README.md', 'providers/README.md', 'providers/zonefile/README.md']) {
      assert.ok(files.includes(f), `${f} is missing`);
    }
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

  describe('a provider in another directory that imports dnsfail/provider from the installed package', () => {
    let service: http.Server;
    let puts: Array<{ name: string; body: string }>;
    let project: string;
    before(async () => {
      // The "DNS service": PUT /records/<name>; a.z.test gets one 503 first, denied.z.test a 403.
      puts = [];
      service = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c));
        req.on('end', () => {
          const name = (req.url ?? '').replace(/^\/records\//, '');
          puts.push({ name, body });
          const status = name === 'denied.z.test' ? 403 : name === 'a.z.test' && puts.filter((p) => p.name === name).length === 1 ? 503 : 204;
          res.writeHead(status).end();
        });
      });
      await new Promise<void>((r) => service.listen(0, '127.0.0.1', () => r()));
      project = join(tmp, 'project');
      mkdirSync(project);
      // `npm install dnsfail` in the provider's directory, from the same tarball.
      const local = npm(['install', '--offline', '--no-audit', '--no-fund', '--prefix', project, join(tmp, packedName)], tmp);
      assert.equal(local.status, 0, local.stderr);
      writeFileSync(join(project, 'provider.mjs'), PROVIDER_JS);
      writeFileSync(join(project, 'provider.ts'), PROVIDER_TS);
      writeFileSync(join(project, 'wrong.ts'), PROVIDER_TS.replace("new ProviderError('fatal'", "new ProviderError('nope'"));
    });
    after(() => service.close());

    const config = (name: string) => {
      const port = (target.address() as { port: number }).port;
      const url = `http://127.0.0.1:${(service.address() as { port: number }).port}`;
      return `providers:\n  mine: { type: ./provider.mjs, url: "${url}" }\nrecords:\n  - { name: ${name}, provider: mine, check: { type: tcp, port: ${port}, timeout: 1s }, servers: [127.0.0.1] }\n`;
    };
    /** Async, unlike spawnSync: the service above runs in this process and must answer meanwhile. */
    const check = (name: string) => {
      writeFileSync(join(project, 'dnsfail.yaml'), config(name));
      const child = spawn(join(prefix, 'bin', 'dnsfail'), ['check', '--state', `${name}.state.json`], { cwd: project, env: { PATH: process.env.PATH ?? '' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c));
      child.stderr.on('data', (c: Buffer) => (stderr += c));
      return new Promise<{ status: number | null; stdout: string; stderr: string }>((r) => child.on('close', (status) => r({ status, stdout, stderr })));
    };

    it('writes through the kit\'s HTTP client; its transient error (a 503) is retried', async () => {
      const r = await check('a.z.test');
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.deepEqual(puts.filter((p) => p.name === 'a.z.test').map((p) => JSON.parse(p.body)), [{ values: ['127.0.0.1'] }, { values: ['127.0.0.1'] }]);
    });

    it('its auth error (a 403) is not retried: exit 1 after one request', async () => {
      const r = await check('denied.z.test');
      assert.equal(r.status, 1, r.stderr + r.stdout);
      assert.match(r.stdout + r.stderr, /403/);
      assert.equal(puts.filter((p) => p.name === 'denied.z.test').length, 1);
    });

    it('its schema (the kit\'s z) refuses an unknown key: exit 2 naming it', () => {
      writeFileSync(join(project, 'dnsfail.yaml'), config('a.z.test').replace('url:', 'ur:'));
      const r = spawnSync(join(prefix, 'bin', 'dnsfail'), ['validate'], { cwd: project, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /providers\.mine\.ur: unknown key "ur" \(did you mean "url"\?\)/);
    });

    it('tsc type-checks a TypeScript provider against the shipped declarations, and refuses a wrong error kind', () => {
      writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: [], noEmit: true, skipLibCheck: true },
        files: ['provider.ts', 'wrong.ts'],
      }));
      const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8' });
      const errors = tsc.stdout.split('\n').filter((l) => / error TS\d+/.test(l));
      assert.equal(errors.length, 1, tsc.stdout);
      assert.match(errors[0]!, /^wrong\.ts\(\d+,\d+\): error TS2345: Argument of type '"nope"' is not assignable to parameter of type 'ProviderErrorKind'/);
    });
  });
});

/** A third-party provider in plain JavaScript that uses the kit: schema, HTTP client, address check. */
const PROVIDER_JS = `import { checkAddress, createHttpClient, doc, nonEmpty, z } from 'dnsfail/provider';
export default {
  kind: 'tiny',
  description: 'PUTs the record to a small HTTP service',
  capabilities: { read: false, multiValue: false, aaaa: false, ttl: false, compareAndSet: false, batch: false },
  configSchema: z.strictObject({ type: z.string(), url: doc(nonEmpty(), 'Base URL of the service') }),
  create(config, ctx) {
    const http = createHttpClient({ baseUrl: config.url, userAgent: ctx.userAgent, service: 'tiny' });
    return {
      async write(ref, req) {
        await http.request('PUT', '/records/' + ref.name, { json: { values: req.values.map((v) => checkAddress(ref.type, v)) } });
      },
    };
  },
};
`;

/** The same in TypeScript, typed by the shipped declarations. */
const PROVIDER_TS = `import { checkAddress, createHttpClient, doc, nonEmpty, ProviderError, z, type ProviderFactory } from 'dnsfail/provider';
const configSchema = z.strictObject({ type: z.string(), url: doc(nonEmpty(), 'Base URL of the service') });
const factory: ProviderFactory<z.infer<typeof configSchema>> = {
  kind: 'tiny',
  description: 'PUTs the record to a small HTTP service',
  capabilities: { read: false, multiValue: false, aaaa: false, ttl: false, compareAndSet: false, batch: false },
  configSchema,
  create(config, ctx) {
    const http = createHttpClient({ baseUrl: config.url, userAgent: ctx.userAgent, service: 'tiny' });
    return {
      async write(ref, req) {
        const res = await http.request('PUT', '/records/' + ref.name, { json: { values: req.values.map((v) => checkAddress(ref.type, v)) } });
        if (res.status !== 204) throw new ProviderError('fatal', 'PUT: HTTP ' + res.status);
      },
    };
  },
};
export default factory;
`;
