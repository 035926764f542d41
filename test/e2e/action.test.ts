import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { parse } from 'yaml';
import { bundleOptions } from '../../src/build/bundle.js';
import { BIN } from '../helpers/cli.js';

const ROOT = join(dirname(BIN), '..');
const ACTION = join(ROOT, 'action', 'index.cjs');

describe('the GitHub Action (action.yml runs the committed action/index.cjs with node20)', () => {
  let target: Server;
  let port: number;
  before(async () => {
    target = createServer((s) => s.end());
    port = await new Promise<number>((r) => target.listen(0, '127.0.0.1', () => r((target.address() as { port: number }).port)));
  });
  after(() => target.close());

  it('the committed bundle is what the source builds to (run `npm run bundle-action` after a change)', async () => {
    const fresh = await build({ ...bundleOptions(join('src', 'action', 'main.ts'), ACTION), write: false, logLevel: 'silent' });
    assert.equal(fresh.outputFiles.length, 2);
    for (const file of fresh.outputFiles) {
      assert.ok(readFileSync(file.path).equals(Buffer.from(file.contents)), `${file.path} is out of date: run npm run bundle-action and commit it`);
    }
  });

  it('runs the bundle directly, with no install or build step, and keeps the inputs and outputs', () => {
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { runs: Record<string, unknown>; inputs: object; outputs: object };
    assert.deepEqual(action.runs, { using: 'node20', main: 'action/index.cjs' });
    assert.deepEqual(Object.keys(action.inputs), ['config', 'state', 'dry-run', 'version']);
    assert.deepEqual(Object.keys(action.outputs), ['changed', 'records', 'exit-code']);
  });

  it('checks the config named by its inputs and writes the step outputs (dry-run writes nothing)', () => {
    const workspace = mkdtempSync(join(tmpdir(), 'dnsfail-action-'));
    writeFileSync(
      join(workspace, 'failover.yaml'),
      `providers:\n  local: { type: zonefile, file: ./z.test.zone, zone: z.test }\nrecords:\n  - { name: a.z.test, check: { type: tcp, port: ${port}, timeout: 1s }, servers: [127.0.0.1] }\n`,
    );
    const run = (dryRun: string) => {
      const outputs = join(workspace, `outputs-${dryRun}`);
      writeFileSync(outputs, '');
      // GitHub's runner passes inputs as INPUT_<NAME>, the hyphen kept, and runs with the workspace as cwd.
      const env = { PATH: process.env.PATH ?? '', GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: outputs, INPUT_CONFIG: 'failover.yaml', INPUT_STATE: 'st/state.json', 'INPUT_DRY-RUN': dryRun, INPUT_VERSION: '' };
      const r = spawnSync(process.execPath, [ACTION], { cwd: workspace, env, encoding: 'utf8' });
      return { ...r, outputs: readFileSync(outputs, 'utf8') };
    };
    const dry = run('true');
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.outputs, /^changed=false\nexit-code=0\nrecords<</);
    const real = run('false');
    assert.equal(real.status, 0, real.stderr);
    assert.match(real.outputs, /^changed=true\nexit-code=0\nrecords<</);
    assert.match(readFileSync(join(workspace, 'z.test.zone'), 'utf8'), /a\.z\.test\.?\s+\d+\s+IN\s+A\s+127\.0\.0\.1/);
    assert.ok(readFileSync(join(workspace, 'st', 'state.json')).length > 0);
  });
});
