import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'node:test';
import execProvider, { execConfigSchema } from '../../providers/exec/index.js';
import type { RecordType } from '../../src/core/types.js';
import { providerContract } from './provider-contract.js';

// The exec provider through the shared contract. Its "server" is a small Node script that keeps
// records in a JSON file, the way a user's hook would call some API. The independent view is that
// file; a mutation is one run of the write command (counted by the script itself, so a run that
// changes nothing still counts). No credentials, and no HTTP to inject 5xx/429 into: exit 75 and
// timeouts are covered by test/unit/exec-provider.test.ts.
const STORE_SCRIPT = `
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
const env = process.env;
const bump = (file) => {
  let n = 0;
  try { n = Number(readFileSync(file, 'utf8')); } catch {}
  writeFileSync(file, String(n + 1));
};
const load = () => {
  try { return JSON.parse(readFileSync(env.STORE, 'utf8')); } catch (e) { if (e.code === 'ENOENT') return {}; throw e; }
};
bump(env.REQUESTS);
const key = env.DNSFAIL_NAME + '/' + env.DNSFAIL_TYPE;
if (process.argv[2] === 'read') {
  const rec = load()[key];
  if (!rec) process.exit(3);
  process.stdout.write(rec.values.join('\\n') + '\\n');
} else {
  bump(env.WRITES);
  const db = load();
  db[key] = { values: env.DNSFAIL_VALUES.split(' ').filter(Boolean), ttl: Number(env.DNSFAIL_TTL) };
  writeFileSync(env.STORE + '.tmp', JSON.stringify(db));
  renameSync(env.STORE + '.tmp', env.STORE);
}
`;

function harness(withRead: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-exec-contract-'));
  const files = { STORE: join(dir, 'records.json'), WRITES: join(dir, 'writes'), REQUESTS: join(dir, 'requests') };
  writeFileSync(join(dir, 'store.mjs'), STORE_SCRIPT);
  const settings = {
    type: 'exec',
    // Relative to the config directory, as a user would write it.
    command: [process.execPath, './store.mjs', 'write'],
    ...(withRead ? { readCommand: [process.execPath, './store.mjs', 'read'] } : {}),
    timeout: '10s',
    env: files,
  };
  const count = (file: string) => {
    try {
      return Number(readFileSync(file, 'utf8'));
    } catch {
      return 0;
    }
  };
  providerContract({
    kind: 'exec',
    capabilities: { ...execProvider.capabilities, read: withRead },
    zone: 'example.test',
    start: async () => {},
    stop: async () => rmSync(dir, { recursive: true, force: true }),
    provider: () => execProvider.create(execConfigSchema.parse(settings), { userAgent: 'dnsfail/test', baseDir: dir }),
    settings: () => settings,
    lookup: async (name: string, type: RecordType) => {
      try {
        const db = JSON.parse(readFileSync(files.STORE, 'utf8')) as Record<string, { values: string[] }>;
        return db[`${name}/${type}`]?.values ?? null;
      } catch {
        return null;
      }
    },
    mutations: () => count(files.WRITES),
    requests: () => count(files.REQUESTS),
  });
}

describe('exec with readCommand', () => harness(true));
describe('exec, write only (state file tells what is published)', () => harness(false));
