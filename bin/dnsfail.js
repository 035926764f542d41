#!/usr/bin/env node
// Tiny shim: refuse old Node with a clear message, answer --version without loading the CLI, then
// hand over to the CLI and set the exit code (never process.exit, so output is flushed).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`dnsfail needs Node.js 20.19 or newer (this is ${process.versions.node})\n`);
  process.exit(2);
}
const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  const { readFileSync } = await import('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const { main } = await import('../dist/bundle/main.js');
  process.exitCode = await main(args);
}
