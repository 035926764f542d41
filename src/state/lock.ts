import { LockBusyError } from '../errors.js';
import { takeFileLock, type FileLock } from '../../providers/kit/file-lock.js';
import { statePathError } from './state-path.js';

export type Lock = FileLock;

/**
 * The lock next to the state file, so two overlapping cron runs never both write (kit/file-lock.ts).
 * A lock that the file system refuses (no permission, read-only, full) is an EnvironmentError.
 */
export async function acquireLock(lockPath: string, waitMs: number): Promise<Lock> {
  let got: FileLock | { busy: string };
  try {
    got = await takeFileLock(lockPath, waitMs);
  } catch (e) {
    throw statePathError(e, 'take the state lock', lockPath);
  }
  if ('busy' in got) {
    throw new LockBusyError(`another dnsfail run holds the state lock (${got.busy}); this run made no changes`, { hint: `if no dnsfail is running, remove ${lockPath}` });
  }
  return got;
}
