#!/usr/bin/env node
'use strict';
// Tiny shim, CommonJS so that Node does not start its ES module loader for it. It refuses old Node
// with a clear message, answers --version without loading the CLI, then runs the bundled CLI
// (dist/bundle/dnsfail.cjs) and sets the exit code (never process.exit, so output is flushed).
// The stack of an "unexpected error" is mapped to src/…ts lines by the CLI (src/cli/stack.ts).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`dnsfail needs Node.js 20.19 or newer (this is ${process.versions.node})\n`);
  process.exit(2);
}
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version}\n`);
} else {
  const bundle = join(__dirname, '..', 'dist', 'bundle', 'dnsfail.cjs');
  let cli;
  try {
    cli = require(bundle);
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND' || !String(e.message).includes(bundle)) throw e;
    // A clone or an `npm ci --ignore-scripts` install that was never built: say so, not a stack.
    process.stderr.write(`error: dnsfail is not built (cannot read ${bundle}: ENOENT)\nhint: run npm run build\n`);
    process.exit(1);
  }
  cli.main(args).then((code) => {
    process.exitCode = code;
  });
}
