import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

/**
 * Build step (package.json "bundle"): the CLI as one CommonJS file, dist/bundle/dnsfail.cjs, which
 * bin/dnsfail.js runs from a V8 code cache. Every run reads that file whole, and reading is not free
 * (reading and decoding 800 kB took about 6 ms here), so libraries that only some commands or
 * configs use are bundled apart into dist/bundle/vendor/<name>.cjs and required when first used:
 * yargs (everything but a plain `check`), got (HTTP providers, notifications), cron-parser (`watch
 * --schedule`), dns-packet (rfc2136) and aws4 (route53). None of them holds state of ours, so
 * loading them from another file changes only when they load.
 */
const VENDOR = ['yargs', 'got', 'cron-parser', 'dns-packet', 'aws4'] as const;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const out = join(root, 'dist', 'bundle');

const common: BuildOptions = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  // The bundle is CommonJS: import.meta is rebuilt from the file's own path.
  define: { 'import.meta.url': '__dnsfailImportMetaUrl', 'import.meta.filename': '__filename' },
  banner: { js: "const __dnsfailImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

// `import got from 'got'` (static or dynamic) resolves to a small ES module of ours that requires
// ./vendor/got.cjs and re-exports its default and named exports, so the importer sees the library's
// own ES exports. The require runs when the importing module first runs, and esbuild turns a dynamic
// import() of it into a call as well: code run from a V8 code cache cannot call import().
function vendorExternal(exportsOf: Record<string, string[]>): Plugin {
  return {
    name: 'vendor-external',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^(${VENDOR.join('|')})$`) }, (args) => ({ path: args.path, namespace: 'vendor' }));
      b.onLoad({ filter: /.*/, namespace: 'vendor' }, (args) => {
        const named = exportsOf[args.path]!.filter((k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k));
        return {
          contents: `const m = require('./vendor/${args.path}.cjs');\nexport default m.default;\n${named.length ? `export const { ${named.join(', ')} } = m;\n` : ''}`,
          loader: 'js',
        };
      });
      b.onResolve({ filter: /.*/, namespace: 'vendor' }, (args) => ({ path: args.path, external: true }));
    },
  };
}

rmSync(out, { recursive: true, force: true });
const vendorFile = (name: string) => join(out, 'vendor', `${name}.cjs`);
await Promise.all(
  VENDOR.map((name) =>
    build({
      ...common,
      stdin: { contents: `export * from '${name}'; export { default } from '${name}';`, resolveDir: root, loader: 'js' },
      outfile: vendorFile(name),
    }),
  ),
);
const load = createRequire(import.meta.url);
const exportsOf = Object.fromEntries(VENDOR.map((name) => [name, Object.keys(load(vendorFile(name)) as object)]));
await build({
  ...common,
  // The file is the CommonJS module wrapper itself, so the bin compiles it as it is: wrapping it at
  // run time would copy all of it into a second string first.
  banner: { js: `(function (exports, require, module, __filename, __dirname) {\n${common.banner!.js}` },
  footer: { js: '})' },
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outfile: join(out, 'dnsfail.cjs'),
  // yaml's browser build is its ES module build (the node one is CommonJS and bundles larger).
  alias: { yaml: join(root, 'node_modules', 'yaml', 'browser', 'index.js') },
  plugins: [vendorExternal(exportsOf)],
});
