import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import { ConfigError, DnsfailError, EnvironmentError, ExitCode, exitCodeOf, LockBusyError } from '../../src/errors.js';

const README = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'README.md');

describe('exit codes', () => {
  it('are the ones the README documents', () => {
    const section = readFileSync(README, 'utf8').split('### Exit codes')[1]!.split('\n## ')[0]!;
    const documented = [...section.matchAll(/^\| (\d) \|/gm)].map((m) => Number(m[1]));
    assert.deepEqual(documented, Object.values(ExitCode));
  });

  it('are decided by the error: config and environment 2, the rest 1, a bug 1', () => {
    const cases: Array<[unknown, number]> = [
      [new ConfigError('bad key'), 2],
      [new EnvironmentError('cannot create /var/lib/dnsfail'), 2],
      [new LockBusyError('another run holds the lock'), 1],
      [new ProviderError('auth', 'HTTP 401'), 1],
      [new DnsfailError('expected'), 1],
      [new TypeError('a bug'), 1],
      ['not even an Error', 1],
    ];
    for (const [e, code] of cases) assert.equal(exitCodeOf(e), code, String(e));
  });

});
