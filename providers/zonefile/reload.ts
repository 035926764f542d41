import { formatDuration } from '../kit/duration.js';
import { lastOutputLine, runProcess, spawnErrorReason } from '../kit/process.js';

const RELOAD_TIMEOUT_MS = 30_000;

/**
 * Runs the configured reload command (argv, no shell, its own process group: at the deadline the
 * whole group is killed); rejects with a one-line reason on failure or timeout.
 */
export async function runReload(argv: string[], timeoutMs = RELOAD_TIMEOUT_MS): Promise<void> {
  const cmd = argv[0] ?? '';
  const outcome = await runProcess(argv, { env: process.env, timeoutMs });
  let why: string;
  switch (outcome.kind) {
    case 'exited':
      if (outcome.code === 0) return;
      why = `${cmd} ${outcome.code === null ? `was killed by ${outcome.signal ?? 'a signal'}` : `exited with code ${outcome.code}`}`;
      break;
    case 'spawn-error':
      throw new Error(`${cmd} ${spawnErrorReason(outcome.code)}`);
    default:
      throw new Error(`${cmd} timed out after ${formatDuration(timeoutMs)} and was killed`);
  }
  const detail = lastOutputLine(outcome, 300);
  throw new Error(detail ? `${why}: ${detail}` : why);
}
