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
