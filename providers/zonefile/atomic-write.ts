/** Replacing the zone file so that a reader (the DNS server, a crash) never sees half of it. */
import { constants } from 'node:fs';
import { access, chmod, chown, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { removeTempsOfDeadProcesses, tempName, tempPid } from '../kit/process-identity.js';
import { ProviderError } from '../kit/errors.js';

/** The real file behind a symlink (renaming over a symlink would replace the link), after checking its directory exists. */
export async function writableTarget(path: string): Promise<string> {
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
 * Can this process replace the zone file (write a temp file in its directory, rename it over the
 * file)? Changes nothing; throws an auth error naming what is not writable.
 */
export async function checkWritable(path: string): Promise<void> {
  const target = await writableTarget(path);
  for (const p of [dirname(target), target]) {
    try {
      await access(p, constants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && p === target) continue; // created on the first write
      throw new ProviderError('auth', `cannot write zone file ${path}: ${p} is not writable for this user (${code}); dnsfail writes a temp file in the directory and renames it over the file`, { cause: e });
    }
  }
}

/**
 * Temp file in the same directory, fsync, rename: readers see the old or the new file, never half of
 * one. The temp name carries our pid, so the temp files of writers killed before their rename are
 * recognised and removed by the next write instead of piling up next to the zone.
 */
export async function atomicWrite(path: string, text: string): Promise<void> {
  const existing = await stat(path).catch(() => null);
  const prefix = `.${basename(path)}.dnsfail-`;
  removeTempsOfDeadProcesses(dirname(path), (name) => tempPid(name, prefix));
  const tmp = join(dirname(path), tempName(prefix));
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
