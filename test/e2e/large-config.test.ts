import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LARGE_CONFIG_BYTES } from '../../src/config/load.js';
import { BIN } from '../helpers/cli.js';

/** Runs a check with a preload that reports, at exit, whether node:v8 was loaded and V8's young-generation size. */
function checkReportingHeap(dir: string): { code: number | null; stderr: string; v8Loaded: boolean; newSpaceBytes: number } {
  const out = join(dir, 'heap.json');
  const preload = join(dir, 'heap.cjs');
  writeFileSync(
    preload,
    `process.on('exit', () => {
      const v8Loaded = process.moduleLoadList.includes('NativeModule v8');
      const space = require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ v8Loaded, newSpaceBytes: space.space_size }));
    });\n`,
  );
  const r = spawnSync(process.execPath, ['-r', preload, BIN, 'check', '-c', 'dnsfail.yaml', '--state', 'state.json'], { cwd: dir, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr, ...(JSON.parse(readFileSync(out, 'utf8')) as { v8Loaded: boolean; newSpaceBytes: number }) };
}

describe('a large config runs on a heap sized for memory', () => {
  let target: Server;
  let port: number;
  before(async () => {
    target = createServer((s) => s.end());
    port = await new Promise<number>((r) => target.listen(0, '127.0.0.2', () => r((target.address() as { port: number }).port)));
  });
  after(() => target.close());

  const configWith = (records: number): string => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-large-'));
    const lines = ['providers:', '  local: { type: zonefile, file: ./example.test.zone, zone: example.test }', 'records:'];
    for (let i = 0; i < records; i++) lines.push(`  - name: r${i}.example.test`, `    check: { type: tcp, port: ${port}, timeout: 2s }`, '    servers: [127.0.0.2]');
    writeFileSync(join(dir, 'dnsfail.yaml'), `${lines.join('\n')}\n`);
    return dir;
  };

  it(`above ${LARGE_CONFIG_BYTES / 1024} kB, V8's young generation stays at the 4 MB start-up leaves it at (untuned, it grows to 16 MB here)`, () => {
    const dir = configWith(400);
    assert.ok(readFileSync(join(dir, 'dnsfail.yaml')).length > LARGE_CONFIG_BYTES);
    const r = checkReportingHeap(dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.v8Loaded, true);
    assert.ok(r.newSpaceBytes <= 4 * 1024 * 1024, `new space grew to ${r.newSpaceBytes} bytes`);
  });

  it('a small config changes no V8 setting (that would cost start-up time) and does not load node:v8', () => {
    const dir = configWith(2);
    const r = checkReportingHeap(dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.v8Loaded, false);
  });
});
