import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, runCli } from '../helpers/cli.js';

const EXAMPLES = join(BIN, '..', '..', 'examples');

describe('examples/ stay true to the code', () => {
  const configs = readdirSync(EXAMPLES).filter((f) => /\.(ya?ml|json)$/.test(f) && !f.endsWith('.schema.json'));
  it('there are example configs', () => assert.ok(configs.length > 0));
  for (const f of configs) {
    it(`${f} passes dnsfail validate`, async () => {
      const r = await runCli(['validate', '-c', join(EXAMPLES, f)], { env: { CF_API_TOKEN: 'x', PDNS_API_KEY: 'x', NOIP_USER: 'x', NOIP_PASSWORD: 'x' } });
      assert.equal(r.code, 0, r.stderr);
    });
    it(`${f} points editors at the schema`, () => {
      if (f.endsWith('.json')) return;
      assert.match(readFileSync(join(EXAMPLES, f), 'utf8'), /^# yaml-language-server: \$schema=/);
    });
  }
  it('examples/dnsfail.schema.json is what `dnsfail schema` prints', async () => {
    const r = await runCli(['schema']);
    assert.deepEqual(JSON.parse(readFileSync(join(EXAMPLES, 'dnsfail.schema.json'), 'utf8')), JSON.parse(r.stdout));
  });
});
