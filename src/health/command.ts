import { lastOutputLine, runProcess, spawnErrorReason, type RunOutcome } from '../../providers/kit/process.js';
import type { CommandCheck, ProbeResult } from './types.js';

/**
 * Runs argv without a shell in its own process group, with DNSFAIL_ADDRESS and DNSFAIL_NAME set.
 * Exit 0 is healthy. The group is killed at the deadline and after exit, so no grandchild outlives the probe.
 */
export async function probeCommand(address: string, check: CommandCheck, recordName: string, signal?: AbortSignal): Promise<ProbeResult> {
  const start = performance.now();
  const outcome = await runProcess(check.command, {
    env: { ...process.env, DNSFAIL_ADDRESS: address, DNSFAIL_NAME: recordName },
    timeoutMs: check.timeoutMs,
    ...(signal ? { signal } : {}),
  });
  const latencyMs = performance.now() - start;
  const error = failure(outcome, check);
  return error === undefined ? { healthy: true, latencyMs } : { healthy: false, latencyMs, error };
}

function failure(outcome: RunOutcome, check: CommandCheck): string | undefined {
  switch (outcome.kind) {
    case 'timeout':
      return `timeout after ${check.timeoutMs}ms`;
    case 'aborted':
      return 'aborted';
    case 'spawn-error':
      if (outcome.code === 'EMPTY') return 'empty command';
      return outcome.code === 'ENOENT' ? `command not found: ${check.command[0]}` : `command ${spawnErrorReason(outcome.code)}: ${check.command[0]}`;
    case 'exited': {
      if (outcome.code === 0) return undefined;
      const status = outcome.code !== null ? `exit ${outcome.code}` : `killed by ${outcome.signal ?? 'signal'}`;
      const detail = lastOutputLine(outcome);
      return detail ? `${status}: ${detail}` : status;
    }
  }
}
