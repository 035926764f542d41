import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';

/** Absolute path of an executable on PATH (plus the sbin dirs Debian puts servers in), or null. */
export function findTool(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return null;
}

/**
 * Tests that need a Debian server or tool: skip locally with a clear message when it is missing,
 * but under CI=true a missing tool is a failure, never a skip (.ci/run installs them).
 * Returns the tool paths, or null when the test was skipped.
 */
export function requireTools(t: TestContext, names: string[], installHint: string): Record<string, string> | null {
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const n of names) {
    const p = findTool(n);
    if (p) found[n] = p;
    else missing.push(n);
  }
  if (missing.length === 0) return found;
  const msg = `missing ${missing.join(', ')} (install: ${installHint})`;
  if (process.env.CI === 'true') throw new Error(`CI requires ${msg}`);
  t.skip(msg);
  return null;
}

/** Root with CAP_NET_ADMIN is needed for network namespaces; same skip/fail rule as requireTools. */
export function requireRoot(t: TestContext, why: string): boolean {
  if (process.getuid?.() === 0) return true;
  if (process.env.CI === 'true') throw new Error(`CI requires root: ${why}`);
  t.skip(`needs root: ${why}`);
  return false;
}

/**
 * For suites registered at load time (providerContract): whether to register them, and the `skip`
 * option of the describe that says what is missing. Under CI=true a missing tool is never a skip.
 */
export function suiteTools(names: string[], installHint: string): { available: boolean; skip: string | false } {
  const missing = names.filter((n) => findTool(n) === null);
  const available = missing.length === 0 || process.env.CI === 'true';
  return { available, skip: available ? false : `missing ${missing.join(', ')} (install: ${installHint})` };
}
