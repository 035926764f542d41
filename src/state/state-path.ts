import { accessSync, constants, existsSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EnvironmentError, fileErrorFix, fileErrorReason } from '../errors.js';

/**
 * A file error on the state path (or the lock beside it) as one line that names the path, the
 * reason and the fix; any other error is returned as it is.
 */
export function statePathError(e: unknown, doing: string, statePath: string): unknown {
  const reason = fileErrorReason(e);
  if (reason === null) return e;
  const failed = (e as NodeJS.ErrnoException).path;
  // A temp file's name says nothing to the reader: its directory does.
  const at = failed?.endsWith('.tmp') ? dirname(failed) : failed;
  const usual = 'pass --state PATH (or set DNSFAIL_STATE) to a file in a directory this user can write';
  const fix = fileErrorFix(e, usual);
  return new EnvironmentError(`cannot ${doing} ${statePath}${at && at !== statePath ? ` (${at})` : ''}: ${reason}; ${fix === usual ? fix : `${fix}, or pass --state PATH`}`, { cause: e });
}

/**
 * Why a run could not write the state file, found without writing anything (for --dry-run); null
 * when the nearest existing directory on the way to it is writable and its file system not full.
 */
export function stateWriteProblem(statePath: string): string | null {
  let dir = dirname(statePath);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    // On a file, "file/." fails with ENOTDIR: the state directory can never be made below it.
    accessSync(join(dir, '.'), constants.W_OK);
    if (statfsSync(dir).bavail > 0) return null;
    throw Object.assign(new Error('no space left'), { code: 'ENOSPC', syscall: 'statfs', path: dir });
  } catch (e) {
    const err = statePathError(e, 'write the state file', statePath);
    return err instanceof Error ? err.message : String(err);
  }
}
