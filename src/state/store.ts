import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordHistory } from '../core/types.js';
import type { Hold } from '../app/holds.js';
import { DnsfailError, LockBusyError } from '../errors.js';
import { writeFileAtomic } from '../../providers/kit/atomic-write.js';
import { acquireLock } from './lock.js';
import { statePathError } from './state-path.js';

export const STATE_VERSION = 1;

export interface StateFile {
  version: typeof STATE_VERSION;
  updatedAt?: string;
  /** Keyed by "name/type". */
  records: Record<string, RecordHistory>;
  /** Keyed by "providerId/name/type": lockouts and backoffs that outlive a run. */
  holds?: Record<string, Hold>;
}

export const emptyState = (): StateFile => ({ version: STATE_VERSION, records: {} });

export function defaultStatePath(env: Record<string, string | undefined>): string {
  if (env.DNSFAIL_STATE) return env.DNSFAIL_STATE;
  const base = env.XDG_STATE_HOME || join(env.HOME || '/var/lib', env.HOME ? '.local/state' : '');
  return join(base, 'dnsfail', 'state.json');
}

export interface LoadedState {
  state: StateFile;
  /** Set when the file existed but could not be used; the run continues as a cold start. */
  warning?: string;
}

export function loadState(path: string): LoadedState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: emptyState() };
    throw statePathError(e, 'read the state file', path);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { state: emptyState(), warning: `state file ${path} is not valid JSON; starting from the current records` };
  }
  const v = (data as { version?: unknown } | null)?.version;
  if (typeof v === 'number' && v > STATE_VERSION) {
    throw new DnsfailError(`state file ${path} has version ${v}, newer than this dnsfail understands (${STATE_VERSION})`, {
      hint: 'upgrade dnsfail, or point --state at another file',
    });
  }
  const records = (data as { records?: unknown } | null)?.records;
  if (v !== STATE_VERSION || !records || typeof records !== 'object') {
    return { state: emptyState(), warning: `state file ${path} has an unknown layout; starting from the current records` };
  }
  const holds = (data as { holds?: unknown }).holds;
  return {
    state: {
      version: STATE_VERSION,
      records: records as Record<string, RecordHistory>,
      ...(holds && typeof holds === 'object' ? { holds: holds as Record<string, Hold> } : {}),
    },
  };
}

export function saveState(path: string, state: StateFile, now: Date): void {
  try {
    writeFileAtomic(path, `${JSON.stringify({ ...state, updatedAt: now.toISOString() }, null, 2)}\n`, 0o600);
  } catch (e) {
    throw statePathError(e, 'write the state file', path);
  }
}

/**
 * Proves before a long-running loop that runs can use this state file: it can be read, and its lock
 * taken (a lock another run holds proves that too). Throws the error a run would meet.
 */
export async function assertStateUsable(path: string): Promise<void> {
  try {
    (await acquireLock(`${path}.lock`, 0)).release();
  } catch (e) {
    if (!(e instanceof LockBusyError)) throw e;
  }
  loadState(path);
}
