import { parseArgs } from 'node:util';
import type { CheckArgs } from './commands/check.js';

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  state: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  'dry-run': { type: 'boolean', short: 'n' },
  json: { type: 'boolean' },
  concurrency: { type: 'string' },
  'metrics-file': { type: 'string' },
} as const;

/**
 * `dnsfail check` from cron, every minute, should not pay for loading yargs (about half a Node
 * start-up). This reads the plain forms of check's options, as main.ts declares them for yargs, and
 * returns null for anything else: help, unknown or repeated flags, values that need an error
 * message. Those go through yargs, so every message and every edge case stays yargs'.
 */
export function parseCheckArgs(argv: readonly string[]): CheckArgs | null {
  if (argv[0] !== 'check') return null;
  let rest = argv.slice(1);
  const noColor = rest.filter((a) => a === '--no-color').length;
  if (noColor > 1) return null;
  rest = rest.filter((a) => a !== '--no-color');
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, strict: true, allowPositionals: false, tokens: true });
  } catch {
    return null;
  }
  const options = parsed.tokens.filter((t) => t.kind === 'option');
  if (new Set(options.map((t) => t.name)).size !== options.length) return null;
  // `-c=FILE` means FILE to yargs but "=FILE" to parseArgs: short options with a glued value go to yargs.
  if (options.some((t) => !t.rawName.startsWith('--') && t.inlineValue)) return null;
  const v = parsed.values;
  for (const key of ['config', 'state', 'metrics-file'] as const) if (v[key] !== undefined && (v[key] === '' || v[key].startsWith('-'))) return null;
  let concurrency: number | undefined;
  if (v.concurrency !== undefined) {
    if (!/^[1-9][0-9]{0,8}$/.test(v.concurrency)) return null;
    concurrency = Number(v.concurrency);
  }
  return {
    ...(v.config !== undefined ? { config: v.config } : {}),
    ...(v.state !== undefined ? { state: v.state } : {}),
    verbose: v.verbose ?? false,
    color: noColor === 0,
    dryRun: v['dry-run'] ?? false,
    json: v.json ?? false,
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(v['metrics-file'] !== undefined ? { metricsFile: v['metrics-file'] } : {}),
  };
}
