import { test } from 'node:test';
import assert from 'node:assert/strict';
import stringWidth from 'string-width';
import fastStringWidth from 'fast-string-width';
import { runCli } from '../helpers/cli.js';

const COMMANDS = ['check', 'watch', 'schedule', 'status', 'unlock', 'validate', 'doctor', 'providers', 'schema', 'demo'];

// The bundle gives yargs fast-string-width in place of string-width (src/build/bundle.ts): the help
// text must measure the same with both, or the substitution would change how --help wraps.
test('every line of every --help measures the same with fast-string-width as with string-width', async () => {
  const lines: string[] = [];
  for (const args of [['--help'], ...COMMANDS.map((c) => [c, '--help'])]) {
    const r = await runCli(args, { env: { COLUMNS: '100' } });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    lines.push(...r.stdout.split('\n'));
  }
  assert.ok(lines.length > 150, `only ${lines.length} help lines`);
  const differ = lines.filter((l) => stringWidth(l) !== fastStringWidth(l));
  assert.deepEqual(differ, []);
  // The characters beyond ASCII that config paths and descriptions may bring.
  for (const s of ['→ ✓ ✗ ≤ × … — é ü', '日本語', '\u001b[31mred\u001b[39m']) assert.equal(fastStringWidth(s), stringWidth(s), s);
});
