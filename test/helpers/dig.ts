import { execFile } from 'node:child_process';

/** `dig +short` at one server; the answers sorted. Throws when dig gets no reply. */
export function dig(server: string, port: number, name: string, type: string): Promise<string[]> {
  const args = ['+short', '+time=1', '+tries=2', `@${server}`, '-p', String(port), name, type];
  return new Promise((done, fail) => {
    execFile('dig', args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`dig ${args.join(' ')} failed: ${(stdout + stderr).trim() || err.message}`));
      done(
        stdout
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '' && !l.startsWith(';'))
          .sort(),
      );
    });
  });
}

/** The rrset's values as dig sees them at 127.0.0.1:port, or null when there is none (a contract's `lookup`). */
export async function digRrset(port: number, name: string, type: string): Promise<string[] | null> {
  const answers = await dig('127.0.0.1', port, name, type);
  return answers.length === 0 ? null : answers;
}
