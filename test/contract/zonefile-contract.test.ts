import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zonefileProvider from '../../providers/zonefile/index.js';
import { readRrset } from '../../providers/zonefile/zone-text.js';
import { readFileSync } from 'node:fs';
import { providerContract } from './provider-contract.js';

// The zone-file provider through the shared contract. Its "server" is the file; the independent
// view is a fresh parse of it, and a mutation is a change of the file's contents. It has no
// credentials and no HTTP, so the auth and fault cases do not apply.
const dir = mkdtempSync(join(tmpdir(), 'dnsfail-zf-contract-'));
const file = join(dir, 'example.test.zone');
let writes = 0;
let lastText = '';
const settings = { type: 'zonefile', file, zone: 'example.test' };
const ctx = { userAgent: 'dnsfail/test', baseDir: dir };
const countWrites = () => {
  try {
    const text = readFileSync(file, 'utf8');
    if (text !== lastText) {
      lastText = text;
      writes++;
    }
  } catch {
    /* not created yet */
  }
  return writes;
};

providerContract({
  kind: 'zonefile',
  capabilities: zonefileProvider.capabilities,
  zone: 'example.test',
  start: async () => {},
  stop: async () => rmSync(dir, { recursive: true, force: true }),
  provider: () => zonefileProvider.create(zonefileProvider.configSchema.parse(settings), ctx),
  settings: () => settings,
  lookup: async (name, type) => {
    try {
      return readRrset(readFileSync(file, 'utf8'), 'example.test', name, type)?.values ?? null;
    } catch {
      return null;
    }
  },
  mutations: countWrites,
  requests: countWrites,
});
