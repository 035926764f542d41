import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildConfig } from '../../src/config/load.js';
import { parseConfigText } from '../../src/config/yaml-source.js';
import { ConfigError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'dnsfail-fast-interval-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const config = (defaults: string, record: string, server: string) => `providers:
  local: { type: zonefile, file: ./z.zone, zone: example.test }
defaults: { check: { type: tcp, port: 443 }${defaults} }
records:
  - name: app.example.test
    servers:
      - 192.0.2.1
      - { address: 192.0.2.2${server} }
${record}`;
const load = (text: string) => buildConfig(parseConfigText(text, 'dnsfail.yaml'), dir, {});
const gaps = async (text: string) => (await load(text)).records[0]!.servers.map((s) => s.fastIntervalMs);

async function refused(text: string): Promise<string> {
  try {
    await load(text);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.exitCode, 2);
    return e.message;
  }
  assert.fail('expected the config to be refused');
}

describe('config: fastInterval', () => {
  it('defaults to 2s', async () => {
    assert.deepEqual(await gaps(config('', '', '')), [2000, 2000]);
  });

  it('a server overrides its record, a record overrides defaults', async () => {
    assert.deepEqual(await gaps(config(', fastInterval: 500ms', '', '')), [500, 500]);
    assert.deepEqual(await gaps(config(', fastInterval: 500ms', '    fastInterval: 1s\n', '')), [1000, 1000]);
    assert.deepEqual(await gaps(config(', fastInterval: 500ms', '    fastInterval: 1s\n', ', fastInterval: off')), [1000, 0]);
  });

  it('off turns confirming probes off', async () => {
    assert.deepEqual(await gaps(config(', fastInterval: off', '', '')), [0, 0]);
  });

  it('refuses 0, more than 1m and what is not a duration, naming the key', async () => {
    assert.match(await refused(config(', fastInterval: 0s', '', '')), /defaults\.fastInterval.*fastInterval must be greater than 0 \(write off to turn confirming probes off\)/);
    assert.match(await refused(config('', '    fastInterval: 2m\n', '')), /records\[0\]\.fastInterval.*at most 1m/);
    assert.match(await refused(config('', '', ', fastInterval: soon')), /records\[0\]\.servers\[1\]\.fastInterval.*expected off or a duration such as 500ms or 2s/);
  });
});
