import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod/mini';
import { argv, doc, optional } from '../kit/schema.js';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../kit/duration.js';
import { ProviderError } from '../kit/errors.js';
import type { CurrentRecord, Provider, ProviderContext, ProviderFactory, RecordRef, WriteRequest } from '../kit/types.js';
import { lastOutputLine, runProcess, spawnErrorReason, type ExitedOutcome, type RunOutcome } from '../kit/process.js';
import { parseReadOutput } from './parse.js';

/** sysexits.h EX_TEMPFAIL: "try again later". */
export const EXIT_TEMPFAIL = 75;
/** readCommand: the record does not exist. */
export const EXIT_MISSING = 3;
const DEFAULT_TIMEOUT = '30s';

export const execConfigSchema = doc(
  z.strictObject({
    type: doc(z.literal('exec'), 'Provider kind: run your own command to publish the record (like inadyn\'s custom provider).'),
    command: doc(
      argv(),
      'Write hook: argv run without a shell, with env DNSFAIL_NAME, DNSFAIL_TYPE, DNSFAIL_VALUES (space-separated), DNSFAIL_TTL, DNSFAIL_PREVIOUS. Exit 0 = written, 75 = temporary failure (retried), anything else = failed. A program starting with ./ or ../ is relative to the config file\'s directory.',
    ),
    readCommand: optional(
      argv(),
      'Read hook: argv that prints the current addresses (one per line or space-separated) and exits 0; exit 3 = the record does not exist. Without it the provider cannot read, and dnsfail relies on its state file.',
    ),
    timeout: optional(
      z.string().check(
        z.regex(DURATION_PATTERN, { message: 'expected a duration such as 500ms, 2s or 1m' }),
        z.refine((t) => (parseDuration(t) ?? 0) > 0, { message: 'must be longer than 0' }),
      ),
      'Deadline for each run of a hook; the whole process group is then killed and the attempt counts as a temporary failure. Default 30s.',
    ),
    env: optional(
      z.record(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')), z.string()),
      'Extra environment variables for both hooks (added to dnsfail\'s own environment; ${VAR} works). Not treated as secrets: pass a path to a secret file rather than the secret.',
    ),
  }),
  'Exec provider: hands each write (and optionally each read) to a command you provide.',
);

export type ExecConfig = z.infer<typeof execConfigSchema>;

export function createExecProvider(config: ExecConfig, ctx: ProviderContext): Provider {
  const timeoutMs = parseDuration(config.timeout ?? DEFAULT_TIMEOUT)!;
  const write = resolveArgv(config.command, ctx.baseDir);
  const read = config.readCommand ? resolveArgv(config.readCommand, ctx.baseDir) : undefined;
  const run = (cmd: string[], vars: Record<string, string>) =>
    runProcess(cmd, { env: { ...process.env, ...config.env, ...vars }, cwd: ctx.baseDir, timeoutMs });

  const provider: Provider = {
    async write(ref: RecordRef, req: WriteRequest): Promise<void> {
      const outcome = await run(write, {
        DNSFAIL_NAME: ref.name,
        DNSFAIL_TYPE: ref.type,
        DNSFAIL_VALUES: req.values.join(' '),
        DNSFAIL_TTL: String(req.ttl),
        DNSFAIL_PREVIOUS: req.previous?.values.join(' ') ?? '',
      });
      throwUnlessSuccess(outcome, `write command ${config.command[0]}`, timeoutMs);
    },
  };
  if (read) {
    provider.read = async (ref: RecordRef): Promise<CurrentRecord | null> => {
      const what = `read command ${config.readCommand![0]}`;
      const outcome = await run(read, { DNSFAIL_NAME: ref.name, DNSFAIL_TYPE: ref.type });
      if (outcome.kind === 'exited' && outcome.code === EXIT_MISSING) return null;
      throwUnlessSuccess(outcome, what, timeoutMs);
      if (outcome.stdoutOverflow) throw new ProviderError('fatal', `${what} printed more than 64 KiB`);
      const values = parseReadOutput(outcome.stdout, ref.type, what);
      return values.length ? { values } : null;
    };
  }
  return provider;
}

export const execProvider: ProviderFactory<ExecConfig> = {
  kind: 'exec',
  description: 'Runs your command to write the record (and optionally another to read it): any DNS service you can script.',
  // read is false for the kind: an instance can read only when readCommand is set.
  capabilities: { read: false, multiValue: true, aaaa: true, ttl: true, compareAndSet: false, batch: false },
  configSchema: execConfigSchema,
  create: (config, ctx) => createExecProvider(config, ctx),
};

/** ./x and ../x are relative to the config file's directory; bare names go through PATH. */
export function resolveArgv(cmd: readonly string[], baseDir: string): string[] {
  const [program, ...args] = cmd as [string, ...string[]];
  const relative = !isAbsolute(program) && (program.startsWith('./') || program.startsWith('../'));
  return [relative ? resolve(baseDir, program) : program, ...args];
}

function throwUnlessSuccess(outcome: RunOutcome, what: string, timeoutMs: number): asserts outcome is ExitedOutcome {
  switch (outcome.kind) {
    case 'aborted': // no signal is passed: only for the type
    case 'timeout':
      throw new ProviderError('transient', `${what} timed out after ${formatDuration(timeoutMs)} and was killed`);
    case 'spawn-error':
      throw new ProviderError('fatal', `${what}: ${spawnErrorReason(outcome.code)}`);
    case 'exited': {
      if (outcome.code === 0) return;
      const detail = lastOutputLine(outcome);
      const status = outcome.code === null ? `was killed by ${outcome.signal ?? 'a signal'}` : `exited with code ${outcome.code}`;
      const message = `${what} ${status}${detail ? `: ${detail}` : ''}`;
      throw new ProviderError(outcome.code === EXIT_TEMPFAIL ? 'transient' : 'fatal', message);
    }
  }
}

export default execProvider;
