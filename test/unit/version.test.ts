import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { BIN, runCli } from '../helpers/cli.js';
import { USER_AGENT, VERSION } from '../../src/version.js';

const pkg = JSON.parse(readFileSync(join(BIN, '..', '..', 'package.json'), 'utf8')) as { version: string };

it('VERSION matches package.json, and the User-Agent carries it', () => {
  assert.equal(VERSION, pkg.version);
  assert.match(USER_AGENT, new RegExp(`^dnsfail/${pkg.version.replace(/\./g, '\\.')} \\(\\+https://`));
});

it('--version prints the package version (answered by the bin shim without loading the CLI)', async () => {
  const r = await runCli(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), pkg.version);
});
