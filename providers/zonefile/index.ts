import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { RecordType } from '../../src/core/types.js';
import { removeTempsOfDeadProcesses, tempName, tempPid } from '../../src/state/process-identity.js';
import { isInZone } from '../../src/util/dns-name.js';
import { canonicalIp, ipFamily, sameAddressSet } from '../../src/util/ip.js';
import { ProviderError } from '../errors.js';
import type { CurrentRecord, Provider, ProviderContext, ProviderFactory, RecordRef, WriteRequest } from '../types.js';
import { bumpSoaSerial, dateSerial } from './serial.js';
import { newZoneText, normalizeName, readRrset, replaceRrset, ZoneTextError } from './zone-text.js';

const DOMAIN_RE = /^(?!-)[A-Za-z0-9_-]{1,63}(?:\.(?!-)[A-Za-z0-9_-]{1,63})*\.?$/;
const RELOAD_TIMEOUT_MS = 30_000;

export const zonefileConfigSchema = z
  .object({
    type: z.literal('zonefile').describe('Provider kind: an RFC 1035 zone (master) file on this machine.'),
    file: z
      .string()
      .min(1)
      .describe('Path of the zone file; relative paths resolve against the config file\'s directory. Created with a valid SOA and NS when missing.'),
    zone: z.string().regex(DOMAIN_RE, 'must be a domain name').describe('The zone\'s origin, e.g. example.test. Managed names must be inside it.'),
    reload: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Command (argv, no shell) run after each write so the server loads it, e.g. ["rndc", "reload", "example.test"]. Times out after 30 s; on failure the previous file is restored.'),
    nameservers: z
      .array(z.string().regex(DOMAIN_RE, 'must be a domain name'))
      .min(1)
      .optional()
      .describe('NS names written only when the file is created (the first is also the SOA primary). Default ["localhost."].'),
  })
  .strict()
  .describe('Zone-file provider: rewrites one A/AAAA rrset in a BIND/NSD/Knot/CoreDNS zone file.');

export type ZonefileConfig = z.infer<typeof zonefileConfigSchema>;

export interface ZonefileDeps {
  now?: () => Date;
}

export function createZonefileProvider(config: ZonefileConfig, ctx: ProviderContext, deps: ZonefileDeps = {}): Provider {
  const file = resolve(ctx.baseDir, config.file);
  const zone = normalizeName(config.zone);
  const nameservers = config.nameservers ?? ['localhost.'];
  const now = deps.now ?? (() => new Date());

  const checkName = (ref: RecordRef): string => {
    const name = normalizeName(ref.name);
    if (!isInZone(name, zone)) throw new ProviderError('fatal', `${name} is not inside zone ${zone} (file ${file})`);
    return name;
  };
  const zoneError = (e: unknown): never => {
    if (e instanceof ZoneTextError) throw new ProviderError('fatal', `zone file ${file}: ${e.message}`, { cause: e });
    throw e;
  };

  return {
    async read(ref: RecordRef): Promise<CurrentRecord | null> {
      const name = checkName(ref);
      const text = await readZoneFile(file);
      if (text === null) return null;
      try {
        return readRrset(text, zone, name, ref.type);
      } catch (e) {
        return zoneError(e);
      }
    },

    async write(ref: RecordRef, req: WriteRequest): Promise<void> {
      const name = checkName(ref);
      const values = [...new Set(req.values.map((v) => checkAddress(ref.type, v)))];
      return oneWriterPerFile(file, () => writeRrset(name, values, ref, req));
    },
  };

  async function writeRrset(name: string, values: string[], ref: RecordRef, req: WriteRequest): Promise<void> {
    const target = await writableTarget(file);
    const original = await readZoneFile(target);

    let next: string;
    try {
      const current = original === null ? null : readRrset(original, zone, name, ref.type);
      if (req.previous && !sameAddressSet(current?.values ?? [], req.previous.values)) {
        throw new ProviderError('conflict', `${name} ${ref.type} in ${file} changed since it was read; not overwriting`);
      }
      const unchanged = sameAddressSet(current?.values ?? [], values) && (values.length === 0 || current?.ttl === req.ttl);
      if (unchanged) return;
      if (original === null) {
        next = replaceRrset(newZoneText({ zone, nameservers, serial: dateSerial(now()) }), zone, name, ref.type, values, req.ttl);
      } else {
        next = bumpSoaSerial(replaceRrset(original, zone, name, ref.type, values, req.ttl), zone, now()).text;
      }
    } catch (e) {
      return zoneError(e);
    }

    await atomicWrite(target, next);
    if (!config.reload) return;
    try {
      await runReload(config.reload);
    } catch (e) {
      if (original === null) await unlink(target).catch(() => undefined);
      else await atomicWrite(target, original);
      throw new ProviderError('transient', `reload failed: ${(e as Error).message}; ${file} was restored`, { cause: e });
    }
  }
}

/**
 * The records of a run are settled concurrently, and several may live in one zone file: two
 * read-modify-write cycles interleaved on it would each rename their own edit into place and the
 * first would be lost (while reported written). So the writes to one file take turns.
 */
const writesInFlight = new Map<string, Promise<void>>();

function oneWriterPerFile(file: string, write: () => Promise<void>): Promise<void> {
  const turn = (writesInFlight.get(file) ?? Promise.resolve()).then(write);
  const settled = turn.catch(() => undefined);
  writesInFlight.set(file, settled);
  void settled.then(() => {
    if (writesInFlight.get(file) === settled) writesInFlight.delete(file);
  });
  return turn;
}

export const zonefileProvider: ProviderFactory<ZonefileConfig> = {
  kind: 'zonefile',
  description: 'Rewrites the record in an RFC 1035 zone file (BIND, NSD, Knot, CoreDNS file) and runs a reload command.',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: true },
  configSchema: zonefileConfigSchema,
  create: (config, ctx) => createZonefileProvider(config, ctx),
};

function checkAddress(type: RecordType, value: string): string {
  if (ipFamily(value) !== (type === 'A' ? 4 : 6)) {
    throw new ProviderError('fatal', `${JSON.stringify(value)} is not an ${type === 'A' ? 'IPv4' : 'IPv6'} address`);
  }
  return canonicalIp(value);
}

async function readZoneFile(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ProviderError('fatal', `cannot read zone file ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** The real file behind a symlink (renaming over a symlink would replace the link), after checking its directory exists. */
async function writableTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new ProviderError('fatal', `cannot open zone file ${path}: ${(e as Error).message}`, { cause: e });
  }
  const dir = dirname(path);
  const dirStat = await stat(dir).catch(() => null);
  if (!dirStat?.isDirectory()) throw new ProviderError('fatal', `cannot create zone file ${path}: directory ${dir} does not exist`);
  return path;
}

/**
 * Temp file in the same directory, fsync, rename: readers see the old or the new file, never half of
 * one. The temp name carries our pid, so the temp files of writers killed before their rename are
 * recognised and removed by the next write instead of piling up next to the zone.
 */
async function atomicWrite(path: string, text: string): Promise<void> {
  const existing = await stat(path).catch(() => null);
  const prefix = `.${basename(path)}.dnsfail-`;
  removeTempsOfDeadProcesses(dirname(path), (name) => tempPid(name, prefix));
  const tmp = join(dirname(path), tempName(prefix, randomBytes(6).toString('hex')));
  try {
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(tmp, existing ? existing.mode & 0o7777 : 0o644);
    // Keep the owner so a server running as another user (bind) can still read it; only root can do this.
    if (existing && process.getuid?.() === 0) await chown(tmp, existing.uid, existing.gid);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new ProviderError('fatal', `cannot write zone file ${path}: ${(e as Error).message}`, { cause: e });
  }
  await syncDir(dirname(path));
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}

function runReload(argv: string[]): Promise<void> {
  const [cmd, ...args] = argv as [string, ...string[]];
  return new Promise((done, fail) => {
    execFile(cmd, args, { timeout: RELOAD_TIMEOUT_MS, killSignal: 'SIGKILL' }, (err, _stdout, stderr) => {
      if (!err) return done();
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      const detail = stderr.trim().split('\n').slice(-3).join(' ').slice(0, 300);
      let why: string;
      if (e.code === 'ENOENT') why = `${cmd} not found`;
      else if (e.killed) why = `${cmd} timed out after ${RELOAD_TIMEOUT_MS / 1000} s`;
      else why = `${cmd} exited with ${typeof e.code === 'number' ? `code ${e.code}` : String(e.code ?? 'an error')}`;
      fail(new Error(detail ? `${why}: ${detail}` : why));
    });
  });
}

export default zonefileProvider;
