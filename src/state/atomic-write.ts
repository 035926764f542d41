import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { removeTempsOfDeadProcesses, tempName, tempPid } from '../../providers/kit/process-identity.js';

/**
 * Write to a temp file in the same directory, fsync, rename: readers see the old or the new file,
 * never half. Temp files that a killed writer left are removed first, so they never pile up.
 */
export function writeFileAtomic(path: string, data: string, mode = 0o600): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const prefix = `.${basename(path)}.`;
  removeTempsOfDeadProcesses(dir, (name) => tempPid(name, prefix));
  const tmp = join(dir, tempName(prefix));
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
  try {
    const dfd = openSync(dir, 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    // Directory fsync is best effort (not supported everywhere).
  }
}
