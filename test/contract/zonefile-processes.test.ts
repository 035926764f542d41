import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseZone } from '../../providers/zonefile/zone-parse.js';

const PROVIDER = pathToFileURL(join(fileURLToPath(import.meta.url), '..', '..', '..', 'providers', 'zonefile', 'index.js')).href;

/** One process: `writes` records of its own into the shared zone file, one write at a time, as a checker writes its vote. */
function writer(file: string, id: number, writes: number): Promise<number | null> {
  const script = `
    const { createZonefileProvider, zonefileConfigSchema } = await import(${JSON.stringify(PROVIDER)});
    const p = createZonefileProvider(zonefileConfigSchema.parse({ type: 'zonefile', file: ${JSON.stringify(file)}, zone: 'example.test' }), { userAgent: 't', baseDir: '/' });
    for (let i = 0; i < ${writes}; i++) await p.write({ name: 'w${id}-' + i + '.example.test', type: 'A' }, { values: ['192.0.2.${id + 1}'], ttl: 60, previous: null });
  `;
  return new Promise((resolve) => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' }).on('close', resolve));
}

describe('zonefile: several processes editing one zone file', () => {
  it('8 processes × 15 writes at once: no edit is lost, the file stays valid, no lock file is left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-zone-procs-'));
    const file = join(dir, 'example.test.zone');
    const codes = await Promise.all(Array.from({ length: 8 }, (_, id) => writer(file, id, 15)));
    assert.deepEqual(codes, Array(8).fill(0));
    const names = parseZone(readFileSync(file, 'utf8'), 'example.test').flatMap((e) => (e.kind === 'record' && e.type === 'A' ? [e.owner] : []));
    assert.equal(new Set(names).size, 8 * 15, 'every write of every process is in the file');
    assert.deepEqual(readdirSync(dir).sort(), ['example.test.zone']);
  });
});
