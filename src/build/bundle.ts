import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import ts from 'typescript';

/**
 * Build step (package.json "bundle"): the CLI as CommonJS, dist/bundle/dnsfail.cjs with its libraries,
 * and in dist/bundle/chunks/ what it loads when first used (see buildCli), each with an external source map
 * (src/cli/stack.ts maps the stack of an unexpected error to src/…ts lines through them). Commands,
 * providers and heavy libraries are imported with import(): a zone-file check never loads the HTTP
 * client. The same options, with the GitHub Action's entry point, write action/index.cjs as one file
 * (committed: the action runs it without an install; test/e2e/action.test.ts keeps it in sync).
 * The provider kit is published as `dnsfail/provider`: dist/bundle/provider.mjs and its type
 * declarations in dist/bundle/provider/ (see providers/README.md).
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function bundleOptions(entry: string, outfile: string): BuildOptions {
  return {
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
    entryPoints: [join(root, entry)],
    outfile,
    // The bundle is CommonJS: import.meta is rebuilt from the file's own path.
    define: { 'import.meta.url': '__dnsfailImportMetaUrl', 'import.meta.filename': '__filename' },
    banner: { js: "const __dnsfailImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    preserveSymlinks: true,
    alias: {
      // yaml's browser build is its ES module build (the node one is CommonJS and bundles larger).
      yaml: join(root, 'node_modules', 'yaml', 'browser', 'index.js'),
      // yargs renders a command's --help on every run, to have it ready should the command fail, and
      // measures each line with string-width, whose grapheme segmenter and emoji tables take longer
      // to start than the rest of the parse. fast-string-width gives the same widths for that text
      // (test/e2e/help-width.test.ts) without them.
      'string-width': join(root, 'node_modules', 'fast-string-width', 'dist', 'index.js'),
    },
  };
}

/**
 * The CLI, split where it uses import(): V8 parses every function of a file it loads, so one file
 * holding all 15 providers, got, luxon and the rarely used commands cost a cron run about 40 ms of
 * compiling code it never runs. esbuild splits only ES modules, so it writes them to a scratch
 * directory (dist/bundle.esm), then rewrites each file as CommonJS: Node's ES module loader costs
 * more than the split saves. Every module is still in exactly one file.
 */
export async function buildCli(out: string): Promise<void> {
  const options = bundleOptions(join('src', 'cli', 'main.ts'), join(out, 'dnsfail.cjs'));
  const esm = `${out}.esm`;
  try {
    await build({ ...options, outfile: undefined, outdir: esm, format: 'esm', splitting: true, entryNames: 'dnsfail', chunkNames: 'chunks/[name]-[hash]', outExtension: { '.js': '.cjs' }, banner: {} });
    for (const f of readdirSync(esm, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.cjs'))) {
      await build({ ...options, entryPoints: [join(esm, f)], outfile: join(out, f), plugins: [requireChunks] });
    }
  } finally {
    rmSync(esm, { recursive: true, force: true });
  }
}

/**
 * The files of the split require() each other. An import() of a chunk would stay an import(), which
 * Node runs through its ES module loader (taking module.exports for the default export), so it
 * becomes a lazily run require() instead. Other import()s (a third-party provider's module) stay.
 */
const requireChunks: Plugin = {
  name: 'require-chunks',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/[\w/-]+\.cjs$/ }, (a) => {
      if (a.kind === 'entry-point') return undefined;
      return a.kind === 'dynamic-import' ? { path: a.path, namespace: 'chunk' } : { path: a.path, external: true };
    });
    b.onLoad({ filter: /./, namespace: 'chunk' }, (a) => ({ contents: `module.exports = require(${JSON.stringify(a.path)});` }));
  },
};

/** The zod/mini type declarations the kit's declarations refer to, shipped with them (zod is bundled, not a dependency). */
const ZOD_TYPES = ['mini', 'v4/mini', 'v4/core', 'v4/locales'];

/**
 * `dnsfail/provider`: the kit as an ES module bundle (got, p-retry and zod/mini inside) and its
 * declarations, emitted by tsc from providers/kit/tsconfig.json, with `zod/mini` pointed at the
 * copy of zod's own declarations beside them.
 */
export async function buildProviderKit(out: string): Promise<void> {
  await build({
    ...bundleOptions(join('providers', 'kit', 'index.ts'), join(out, 'provider.mjs')),
    format: 'esm',
    // An ES module keeps its own import.meta, but has no require() for got's CommonJS dependencies.
    define: {},
    banner: { js: "import { createRequire as __dnsfailCreateRequire } from 'node:module'; const require = __dnsfailCreateRequire(import.meta.url);" },
  });
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'providers', 'kit', 'tsconfig.json'), { outDir: join(out, 'provider') }, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!config) throw new Error('providers/kit/tsconfig.json: unreadable');
  const emitted = ts.createProgram(config.fileNames, config.options).emit();
  if (emitted.emitSkipped || emitted.diagnostics.length) throw new Error(`kit declarations: ${ts.formatDiagnostics(emitted.diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' })}`);
  const types = join(out, 'provider');
  for (const dir of ZOD_TYPES) {
    mkdirSync(join(types, 'zod', dir), { recursive: true });
    for (const f of readdirSync(join(root, 'node_modules', 'zod', dir))) {
      if (f.endsWith('.d.ts')) copyFileSync(join(root, 'node_modules', 'zod', dir, f), join(types, 'zod', dir, f));
    }
  }
  copyFileSync(join(root, 'node_modules', 'zod', 'LICENSE'), join(types, 'zod', 'LICENSE'));
  for (const f of readdirSync(types)) {
    if (!f.endsWith('.d.ts')) continue;
    const text = readFileSync(join(types, f), 'utf8');
    writeFileSync(join(types, f), text.replace(/(['"])zod\/mini\1/g, "'./zod/mini/index.js'"));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = join(root, 'dist', 'bundle');
  rmSync(out, { recursive: true, force: true });
  await buildCli(out);
  await buildProviderKit(out);
  if (process.argv.includes('--action')) await build(bundleOptions(join('src', 'action', 'main.ts'), join(root, 'action', 'index.cjs')));
}
