/**
 * Reading and writing many rrsets of one zone file: a batch costs one read and one parse of the file,
 * and a write one rewrite, one SOA serial bump and one reload, however many records it holds.
 * read() and write() are batches of one.
 */
// Callback fs, promisified: node:fs/promises would cost a cron run about 1.5 ms to load.
import { readFile, statSync, unlink } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { replaceTarget, unwritablePart, writeFileAtomic } from '../kit/atomic-write.js';
import { takeFileLock } from '../kit/file-lock.js';
import type { CurrentRecord, ItemResult, RecordRef, RecordType, WriteItem } from '../kit/types.js';
import { isInZone } from '../kit/dns-name.js';
import { sameAddressSet } from '../kit/ip.js';
import { ProviderError } from '../kit/errors.js';
import { wantedAddresses } from '../kit/records.js';
import { bumpSoaSerial, dateSerial } from './serial.js';
import {
  assertNoCname,
  indexZone,
  newZoneText,
  normalizeName,
  parseZone,
  replaceRrsets,
  ZoneTextError,
  type Rrset,
  type RrsetChange,
  type ZoneEntry,
} from './zone-text.js';

export interface ZoneFile {
  /** Absolute path as configured; a symlink is followed when writing. */
  path: string;
  /** Normalised origin. */
  zone: string;
  /** Only for a file that does not exist yet. */
  nameservers: string[];
  reload?: string[];
  now: () => Date;
}

interface Edit {
  at: number;
  name: string;
  type: RecordType;
  values: string[];
  ttl: number;
  previous: CurrentRecord | null;
}

/** A value, null (no such rrset) or the typed error per ref, in order. */
export async function readRecords(zf: ZoneFile, refs: RecordRef[]): Promise<Array<CurrentRecord | null | Error>> {
  const out: Array<CurrentRecord | null | Error> = refs.map(() => null);
  const names = new Map<number, string>();
  refs.forEach((ref, i) => {
    try {
      names.set(i, checkName(zf, ref));
    } catch (e) {
      out[i] = e as Error;
    }
  });
  if (names.size === 0) return out;
  try {
    const text = await readZoneText(zf.path);
    if (text === null) return out;
    const index = indexZone(parseOrFatal(zf, text));
    for (const [i, name] of names) {
      const cname = index.cname(name);
      out[i] = cname === undefined ? index.rrset(name, refs[i]!.type) : { values: [], cname };
    }
  } catch (e) {
    for (const i of names.keys()) out[i] = e as Error;
  }
  return out;
}

/**
 * Per item: compare-and-set against the file, skipped when unchanged, else part of the one rewrite.
 * Only the items in that rewrite share its failure (a failed reload: transient, file restored).
 */
export async function writeRecords(zf: ZoneFile, items: WriteItem[]): Promise<ItemResult[]> {
  const results: ItemResult[] = items.map(() => ({ ok: true }));
  const edits: Edit[] = [];
  items.forEach(({ ref, req }, at) => {
    try {
      const name = checkName(zf, ref);
      const values = wantedAddresses(ref.type, req.values);
      edits.push({ at, name, type: ref.type, values, ttl: req.ttl, previous: req.previous });
    } catch (error) {
      results[at] = { ok: false, error };
    }
  });
  if (edits.length > 0) {
    await oneWriterPerFile(zf.path, () => underZoneLock(zf, () => applyEdits(zf, edits, results))).catch((error: unknown) => {
      for (const e of edits) results[e.at] = { ok: false, error };
    });
  }
  throwIfAllFailedTransiently(results);
  return results;
}

async function applyEdits(zf: ZoneFile, edits: Edit[], results: ItemResult[]): Promise<void> {
  const fail = (ats: number[], error: unknown) => ats.forEach((at) => (results[at] = { ok: false, error }));
  let target: string;
  let original: string | null;
  let entries: ZoneEntry[];
  try {
    target = zoneTarget(zf.path);
    original = await readZoneText(target);
    entries = original === null ? [] : parseOrFatal(zf, original);
  } catch (error) {
    return fail(edits.map((e) => e.at), error);
  }

  const index = indexZone(entries);
  // What the file holds after the edits accepted so far, so a second edit of one rrset sees the first.
  const edited = new Map<string, Rrset | null>();
  const changes: RrsetChange[] = [];
  const writing: number[] = [];
  for (const e of edits) {
    const key = `${e.name}/${e.type}`;
    const current = edited.has(key) ? edited.get(key)! : index.rrset(e.name, e.type);
    if (e.previous && !sameAddressSet(current?.values ?? [], e.previous.values)) {
      fail([e.at], new ProviderError('conflict', `${e.name} ${e.type} in ${zf.path} changed since it was read; not overwriting`));
      continue;
    }
    const unchanged = sameAddressSet(current?.values ?? [], e.values) && (e.values.length === 0 || current?.ttl === e.ttl);
    if (unchanged) continue;
    try {
      if (e.values.length > 0) assertNoCname(index, e.name, e.type);
    } catch (err) {
      fail([e.at], asProviderError(zf, err));
      continue;
    }
    edited.set(key, e.values.length > 0 ? { values: e.values, ttl: e.ttl } : null);
    changes.push({ name: e.name, type: e.type, values: e.values, ttl: e.ttl });
    writing.push(e.at);
  }
  if (changes.length === 0) return;

  try {
    let next: string;
    try {
      next =
        original === null
          ? replaceRrsets(newZoneText({ zone: zf.zone, nameservers: zf.nameservers, serial: dateSerial(zf.now()) }), zf.zone, changes)
          : bumpSoaSerial(replaceRrsets(original, zf.zone, changes, entries), zf.zone, zf.now()).text;
    } catch (e) {
      throw asProviderError(zf, e);
    }
    writeZone(target, next);
    if (zf.reload) await reloadOrRestore(zf, target, original);
  } catch (e) {
    fail(writing, e);
  }
}

async function reloadOrRestore(zf: ZoneFile, target: string, original: string | null): Promise<void> {
  try {
    // Loaded here: node:child_process is not needed by a run that writes nothing or has no reload.
    await (await import('./reload.js')).runReload(zf.reload!);
  } catch (e) {
    if (original === null) await promisify(unlink)(target).catch(() => undefined);
    else writeZone(target, original);
    throw new ProviderError('transient', `reload failed: ${(e as Error).message}; ${zf.path} was restored`, { cause: e });
  }
}

/** How long a run waits for another dnsfail process to finish its edit of the zone file. */
const ZONE_LOCK_WAIT_MS = 10_000;

/**
 * Read, edit and write under a lock file beside the zone file (`<file>.dnsfail-lock`), so that several
 * dnsfail processes on one host (checkers with their own state files) never lose each other's edits.
 */
async function underZoneLock(zf: ZoneFile, edit: () => Promise<void>): Promise<void> {
  const lockPath = `${zoneTarget(zf.path)}.dnsfail-lock`;
  let lock: Awaited<ReturnType<typeof takeFileLock>>;
  try {
    lock = await takeFileLock(lockPath, ZONE_LOCK_WAIT_MS);
  } catch (e) {
    throw new ProviderError('fatal', `cannot lock zone file ${zf.path} (${lockPath}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  if ('busy' in lock) throw new ProviderError('transient', `zone file ${zf.path} is being edited by another dnsfail (${lock.busy})`);
  try {
    await edit();
  } finally {
    lock.release();
  }
}

/** The real zone file behind a symlink, after checking that the directory of a new one exists. */
function zoneTarget(path: string): string {
  let target: string;
  try {
    target = replaceTarget(path);
  } catch (e) {
    throw new ProviderError('fatal', `cannot open zone file ${path}: ${(e as Error).message}`, { cause: e });
  }
  const dir = dirname(target);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new ProviderError('fatal', `cannot create zone file ${path}: directory ${dir} does not exist`);
  return target;
}

/** Can this process replace the zone file? Changes nothing; throws an auth error naming what is not writable. */
export function checkWritable(path: string): void {
  const denied = unwritablePart(zoneTarget(path));
  if (denied) {
    const why = `${denied.path} is not writable for this user (${denied.code}); dnsfail writes a temp file in the directory and renames it over the file`;
    throw new ProviderError('auth', `cannot write zone file ${path}: ${why}`);
  }
}

/** A new zone file is world-readable: the DNS server may run as another user. */
function writeZone(target: string, text: string): void {
  try {
    writeFileAtomic(target, text, 0o644);
  } catch (e) {
    throw new ProviderError('fatal', `cannot write zone file ${target}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Every item failed with the one transient error of the whole rewrite (the reload): throw it, so the
 * engine retries the batch as a whole rather than each record with a rewrite and a reload of its own.
 */
function throwIfAllFailedTransiently(results: ItemResult[]): void {
  const first = results[0];
  if (!first || first.ok || !(first.error instanceof ProviderError) || first.error.kind !== 'transient') return;
  if (results.every((r) => !r.ok && r.error === first.error)) throw first.error;
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

export function checkName(zf: ZoneFile, ref: RecordRef): string {
  const name = normalizeName(ref.name);
  if (!isInZone(name, zf.zone)) throw new ProviderError('fatal', `${name} is not inside zone ${zf.zone} (file ${zf.path})`);
  return name;
}

function parseOrFatal(zf: ZoneFile, text: string): ZoneEntry[] {
  try {
    return parseZone(text, zf.zone);
  } catch (e) {
    throw asProviderError(zf, e);
  }
}

function asProviderError(zf: ZoneFile, e: unknown): unknown {
  return e instanceof ZoneTextError ? new ProviderError('fatal', `zone file ${zf.path}: ${e.message}`, { cause: e }) : e;
}

async function readZoneText(path: string): Promise<string | null> {
  try {
    return await promisify(readFile)(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ProviderError('fatal', `cannot read zone file ${path}: ${(e as Error).message}`, { cause: e });
  }
}
