import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { errorCode } from './tcp.js';
import type { CommandCheck, ProbeResult } from './types.js';

const MAX_CAPTURED_BYTES = 8 * 1024;
const MAX_DETAIL_CHARS = 200;

/**
 * Runs argv without a shell in its own process group, with DNSFAIL_ADDRESS and DNSFAIL_NAME set.
 * Exit 0 is healthy. The group is killed at the deadline and after exit, so no grandchild outlives the probe.
 */
export function probeCommand(address: string, check: CommandCheck, recordName: string, signal?: AbortSignal): Promise<ProbeResult> {
  const start = performance.now();
  const [file, ...args] = check.command;
  if (file === undefined || file === '') return Promise.resolve({ healthy: false, latencyMs: 0, error: 'empty command' });

  return new Promise((resolve) => {
    const child = spawn(file, args, {
      env: { ...process.env, DNSFAIL_ADDRESS: address, DNSFAIL_NAME: recordName },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const stdout = captureTail(child.stdout);
    const stderr = captureTail(child.stderr);
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;

    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* the group is already gone */
      }
    };
    const exitFailure = (): string | undefined => {
      if (!exited || exited.code === 0) return undefined;
      const status = exited.code !== null ? `exit ${exited.code}` : `killed by ${exited.signal ?? 'signal'}`;
      const detail = lastLine(stderr()) || lastLine(stdout());
      return detail ? `${status}: ${detail}` : status;
    };
    let settled = false;
    const finish = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      killGroup();
      const latencyMs = performance.now() - start;
      resolve(error === undefined ? { healthy: true, latencyMs } : { healthy: false, latencyMs, error });
    };
    // Exited but a stray process still holds the pipes open: judge by the exit status.
    const timer = setTimeout(() => finish(exited ? exitFailure() : `timeout after ${check.timeoutMs}ms`), check.timeoutMs);
    const onAbort = (): void => finish('aborted');
    if (signal?.aborted) return finish('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });

    child.once('error', (err) => {
      const code = errorCode(err);
      if (code === 'ENOENT') finish(`command not found: ${file}`);
      else if (code === 'EACCES') finish(`command not executable: ${file}`);
      else finish(`cannot run ${file}: ${code}`);
    });
    child.once('exit', (code, sig) => {
      exited = { code, signal: sig };
      killGroup(); // background children would otherwise keep the pipes (and so 'close') open
    });
    child.once('close', () => finish(exited ? exitFailure() : 'command failed to start'));
  });
}

/** Keeps the last MAX_CAPTURED_BYTES of a stream. */
function captureTail(stream: Readable): () => string {
  let tail = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    tail = Buffer.concat([tail, chunk]);
    if (tail.length > MAX_CAPTURED_BYTES) tail = tail.subarray(tail.length - MAX_CAPTURED_BYTES);
  });
  return () => tail.toString('utf8');
}

function lastLine(text: string): string {
  const line = text.trimEnd().split('\n').pop()?.trim() ?? '';
  return line.length <= MAX_DETAIL_CHARS ? line : `${line.slice(0, MAX_DETAIL_CHARS - 1)}…`;
}
