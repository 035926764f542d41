import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Measured {
  code: number | null;
  ms: number;
  /** Peak resident set of the node process, from its own getrusage at exit. */
  maxRssKb: number | null;
  stdout: string;
  stderr: string;
}

const dir = mkdtempSync(join(tmpdir(), 'dnsfail-bench-'));
const preload = join(dir, 'report-rss.mjs');
writeFileSync(
  preload,
  "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => { if (process.env.BENCH_RSS_FILE) writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)); });\n",
);
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let seq = 0;

/** Runs `node ...args` and measures wall time (spawn → exit) and, optionally, peak RSS. */
export function measureNode(args: string[], opts: { env?: Record<string, string>; cwd?: string; rss?: boolean } = {}): Promise<Measured> {
  const rssFile = join(dir, `rss-${++seq}`);
  const nodeArgs = opts.rss ? ['--import', preload, ...args] : args;
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...opts.env, ...(opts.rss ? { BENCH_RSS_FILE: rssFile } : {}) };
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, nodeArgs, { env, cwd: opts.cwd ?? process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      let maxRssKb: number | null = null;
      if (opts.rss) {
        try {
          maxRssKb = Number(readFileSync(rssFile, 'utf8'));
        } catch {
          /* the process died before exit handlers */
        }
      }
      resolve({ code, ms, maxRssKb, stdout, stderr });
    });
  });
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
