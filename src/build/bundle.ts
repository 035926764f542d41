import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

/**
 * Build step (package.json "bundle"): the CLI as one CommonJS file with its libraries,
 * dist/bundle/dnsfail.cjs, and an external source map beside it (bin/dnsfail.js turns source maps
 * on, so stacks name src/…ts lines). Commands, providers and heavy libraries are imported with
 * import(), which esbuild turns into lazily run module wrappers: a zone-file check never runs the
 * HTTP client. The same build, with the GitHub Action's entry point, writes action/index.cjs
 * (committed: the action runs it without an install; test/e2e/action.test.ts keeps it in sync).
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
    // yaml's browser build is its ES module build (the node one is CommonJS and bundles larger).
    preserveSymlinks: true,
    alias: { yaml: join(root, 'node_modules', 'yaml', 'browser', 'index.js') },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = join(root, 'dist', 'bundle');
  rmSync(out, { recursive: true, force: true });
  await build(bundleOptions(join('src', 'cli', 'main.ts'), join(out, 'dnsfail.cjs')));
  if (process.argv.includes('--action')) await build(bundleOptions(join('src', 'action', 'main.ts'), join(root, 'action', 'index.cjs')));
}
