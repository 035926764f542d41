#!/usr/bin/env node
// Tiny shim: refuse old Node with a clear message, then hand over to the CLI.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`dnsfail needs Node.js 20.19 or newer (this is ${process.versions.node})\n`);
  process.exit(2);
}
const { main } = await import('../dist/src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
