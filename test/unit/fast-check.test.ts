import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chalk } from 'chalk';
import type { CheckArgs } from '../../src/cli/commands/check.js';
import { parseCheckArgs } from '../../src/cli/fast-check.js';
import { main } from '../../src/cli/main.js';

/** What yargs hands the check command for argv (or the exit code and message when it refuses). */
async function viaYargs(argv: string[]): Promise<{ args?: CheckArgs; code: number; err: string }> {
  let args: CheckArgs | undefined;
  const err: string[] = [];
  const io = { out: () => {}, err: (t: string) => void err.push(t), c: new Chalk({ level: 0 }) };
  const code = await main(argv, { io, env: {}, cwd: '/', noFastPath: true, runCheck: async (a) => ((args = a), 0) });
  return { ...(args ? { args } : {}), code, err: err.join('\n') };
}

const ACCEPTED = [
  ['check'],
  ['check', '-c', 'dnsfail.yaml'],
  ['check', '--config', 'a.yaml', '--state', '/var/lib/dnsfail/state.json'],
  ['check', '--config=a.yaml', '--state=s.json', '--metrics-file=/tmp/m.prom'],
  ['check', '-v', '-n'],
  ['check', '-vn', '--json'],
  ['check', '--verbose', '--dry-run', '--no-color'],
  ['check', '--concurrency', '8'],
  ['check', '--concurrency=200', '--json', '-c', 'x.yaml'],
  ['check', '--metrics-file', 'm.prom', '-c', 'x.yaml', '--no-color'],
];

const LEFT_TO_YARGS = [
  ['check', '--help'],
  ['check', '-h'],
  ['check', '--version'],
  ['check', 'extra'],
  ['check', '--bogus'],
  ['check', '-c'],
  ['check', '--config', ''],
  ['check', '-c', 'a', '-c', 'b'],
  ['check', '--concurrency', '0'],
  ['check', '--concurrency', 'many'],
  ['check', '--concurrency', '1.5'],
  ['check', '-c=a.yaml'],
  ['check', '-cdnsfail.yaml'],
  ['check', '--json=false'],
  ['check', '--no-json'],
  ['check', '--dryRun'],
  ['check', '--no-color', '--no-color'],
  ['check', '--color'],
  ['check', '--', 'x'],
  ['watch', '-c', 'a.yaml'],
  ['--verbose', 'check'],
];

describe('check without yargs (the cron fast path)', () => {
  for (const argv of ACCEPTED) {
    it(`${argv.join(' ')}: the same arguments yargs gives`, async () => {
      const fast = parseCheckArgs(argv);
      assert.ok(fast, 'the fast path takes it');
      const y = await viaYargs(argv);
      assert.equal(y.code, 0, y.err);
      assert.deepEqual(fast, y.args);
    });
  }

  for (const argv of LEFT_TO_YARGS) {
    it(`${argv.join(' ')}: left to yargs`, () => {
      assert.equal(parseCheckArgs(argv), null);
    });
  }

  it('a refused invocation gets yargs\' message and exit 2 either way', async () => {
    for (const argv of [['check', '--bogus'], ['check', '--concurrency', '0'], ['check', 'extra']]) {
      const err: string[] = [];
      const io = { out: () => {}, err: (t: string) => void err.push(t), c: new Chalk({ level: 0 }) };
      const code = await main(argv, { io, env: {}, cwd: '/', runCheck: async () => assert.fail('must not run') });
      assert.equal(code, 2, argv.join(' '));
      assert.equal(err.join('\n'), (await viaYargs(argv)).err);
    }
  });
});
