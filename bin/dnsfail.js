#!/usr/bin/env node
'use strict';
// Tiny shim, CommonJS so that Node does not start its ES module loader for it. It refuses old Node
// with a clear message, answers --version without loading the CLI, then runs the bundled CLI
// (dist/bundle/dnsfail.cjs) and sets the exit code (never process.exit, so output is flushed).
//
// The bundle is compiled with the V8 code cache made at build time (npm run build trains it on a
// loopback check), which saves most of the parse and compile time of each cron run. V8 refuses a
// cache made by another Node version or under other V8 flags (NODE_OPTIONS=--max-old-space-size=…),
// and the bundle is then compiled as usual. DNSFAIL_DEBUG_CODE_CACHE=1 says which happened.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`dnsfail needs Node.js 20.19 or newer (this is ${process.versions.node})\n`);
  process.exit(2);
}
const { readFileSync, writeFileSync, renameSync } = require('node:fs');
const { join } = require('node:path');

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version}\n`);
} else {
  const { main, script } = loadBundle(join(__dirname, '..', 'dist', 'bundle', 'dnsfail.cjs'));
  main(args).then((code) => {
    process.exitCode = code;
    // Build only (see package.json "build"): keep what this run compiled for the next runs.
    const out = process.env.DNSFAIL_WRITE_CODE_CACHE;
    if (out) {
      writeFileSync(`${out}.tmp`, script.createCachedData());
      renameSync(`${out}.tmp`, out);
    }
  });
}

function loadBundle(file) {
  const vm = require('node:vm');
  const Module = require('node:module');
  let source;
  try {
    // esbuild writes ASCII only (non-ASCII text is escaped), so latin1 reads it exactly, without UTF-8 decoding.
    source = readFileSync(file, 'latin1');
  } catch (e) {
    // A clone or an `npm ci --ignore-scripts` install that was never built: say so, not a stack.
    process.stderr.write(`error: dnsfail is not built (cannot read ${file}: ${e.code ?? e.message})\nhint: run npm ci, or npm run build\n`);
    process.exit(1);
  }
  let cachedData;
  try {
    cachedData = process.env.DNSFAIL_WRITE_CODE_CACHE ? undefined : readFileSync(`${file}.cache`);
  } catch {
    cachedData = undefined;
  }
  // The bundle is written as the CommonJS wrapper function (see src/build/bundle.ts).
  const script = new vm.Script(source, {
    filename: file,
    cachedData,
  });
  if (process.env.DNSFAIL_DEBUG_CODE_CACHE) {
    process.stderr.write(`code cache: ${cachedData ? (script.cachedDataRejected ? 'refused' : 'used') : 'none'}\n`);
  }
  const module = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(file), module, file, join(file, '..'));
  // Third-party providers are ES modules: code run from a V8 code cache cannot import() them itself.
  module.exports.setModuleImporter((url) => import(url));
  return { main: module.exports.main, script };
}
