import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zonefileProvider from '../../providers/zonefile/index.js';
import type { Provider } from '../../providers/kit/types.js';
import type { RecordType } from '../../src/core/types.js';
import { findTool } from '../helpers/require-tool.js';
import { batchContract } from './batch-contract.js';

// readMany/writeMany of the zone-file provider: one zone file per zone, a provider instance each.
// Its "requests" are reads of a zone file and renames onto it (the atomic write), observed at the fs
// level: node:fs's readFile and renameSync are wrapped for this test process, so the provider has
// no test hook. The reload command appends to a file, so every rename can be matched with one reload.
// The independent view is named-checkzone's canonical dump (else a fresh provider's read).

const ZONES: [string, string] = ['one.test', 'two.test'];
const dir = mkdtempSync(join(tmpdir(), 'dnsfail-zf-batch-'));
const fileOf = (zone: string) => join(dir, `${zone}.zone`);
const reloadLog = join(dir, 'reloads.log');
const zoneOf = (name: string) => ZONES.find((z) => name.endsWith(`.${z}`))!;
const ctx = { userAgent: 'dnsfail/test (+batch)', baseDir: dir };
const CHECKZONE = findTool('named-checkzone');

const counts = { reads: 0, renames: 0 };
function observeZoneFileIo(files: string[]): void {
  const watched = new Set(files.flatMap((f) => [f, realpathSync(f)]));
  const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
  const { readFile, renameSync } = fs;
  fs.readFile = ((path: Parameters<typeof readFile>[0], ...rest: unknown[]) => {
    if (watched.has(String(path))) counts.reads++;
    return (readFile as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof readFile;
  fs.renameSync = (from, to) => {
    if (watched.has(String(to))) counts.renames++;
    return renameSync(from, to);
  };
  syncBuiltinESMExports();
}

const reloads = () => {
  try {
    return readFileSync(reloadLog, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
};

/** named-checkzone -D: one absolute record per line; parsed once per distinct file content. */
const dumps = new Map<string, { text: string; rrsets: Promise<Map<string, string[]>> }>();
function canonicalRrsets(zone: string): Promise<Map<string, string[]>> {
  const text = readFileSync(fileOf(zone), 'utf8');
  const cached = dumps.get(zone);
  if (cached?.text === text) return cached.rrsets;
  const rrsets = new Promise<Map<string, string[]>>((done, fail) => {
    execFile(CHECKZONE!, ['-D', '-o', '-', zone, fileOf(zone)], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`named-checkzone -D ${zone} failed: ${stdout}${stderr}`));
      const out = new Map<string, string[]>();
      for (const line of stdout.split('\n')) {
        const [owner, , , type, value] = line.trim().split(/\s+/);
        if (!owner || !value) continue;
        const key = `${owner.toLowerCase().replace(/\.$/, '')}/${type}`;
        out.set(key, [...(out.get(key) ?? []), value]);
      }
      done(out);
    });
  });
  dumps.set(zone, { text, rrsets });
  return rrsets;
}

const providers = new Map<string, Provider>();
const make = (zone: string) =>
  zonefileProvider.create(
    zonefileProvider.configSchema.parse({ type: 'zonefile', file: fileOf(zone), zone, reload: ['sh', '-c', 'echo reload >> "$0"', reloadLog] }),
    ctx,
  );

batchContract({
  kind: 'zonefile',
  zones: ZONES,
  start: async () => {
    for (const z of ZONES) {
      writeFileSync(fileOf(z), `$ORIGIN ${z}.\n$TTL 300\n@ IN SOA ns1 hostmaster ( 1 3600 600 86400 60 )\n  IN NS ns1\nns1 IN A 127.0.0.1\n`);
      providers.set(z, make(z));
    }
    observeZoneFileIo(ZONES.map(fileOf));
  },
  stop: async () => {
    const [renames, reloaded] = [counts.renames, reloads()];
    rmSync(dir, { recursive: true, force: true });
    assert.equal(reloaded, renames, 'one reload per rewrite of a zone file');
  },
  providerFor: (zone) => providers.get(zone)!,
  lookup: async (name, type: RecordType) => {
    const zone = zoneOf(name);
    if (!CHECKZONE) {
      const got = await make(zone).read!({ name, type });
      return got?.values ?? null;
    }
    const values = (await canonicalRrsets(zone)).get(`${name}/${type}`);
    return values ? [...values].sort() : null;
  },
  requests: () => counts.reads + counts.renames,
  mutations: () => counts.renames,
  // Per zone file: one read; a write adds one rename (and one reload).
  maxReadRequests: (_records, zones) => zones,
  maxWriteRequests: (_records, zones) => 2 * zones,
  // Someone edits the record in the file after our read: compare-and-set refuses to overwrite it.
  spoil: async (name) => {
    const file = fileOf(zoneOf(name));
    const text = readFileSync(file, 'utf8');
    const line = new RegExp(`^${name.replaceAll('.', '\\.')}\\. (\\d+) IN A .*$`, 'm');
    assert.match(text, line, `spoil: ${name} is in ${file}`);
    writeFileSync(file, text.replace(line, `${name}. $1 IN A 192.0.2.254`));
    return 'conflict';
  },
  skipsUnchanged: true,
});
