import { execFile } from 'node:child_process';
import { inNamespace } from './netns.js';

/** `dig +short` at one server (from inside `namespace` when given); the answers sorted. Throws when dig gets no reply. */
export function dig(server: string, port: number, name: string, type: string, namespace?: string): Promise<string[]> {
  const args = ['+short', '+time=1', '+tries=2', `@${server}`, '-p', String(port), name, type];
  const [cmd, ...argv] = namespace ? inNamespace(namespace, ['dig', ...args]) : ['dig', ...args];
  return new Promise((done, fail) => {
    execFile(cmd!, argv, { timeout: 10_000 }, (err, stdout, stderr) => {
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

/** The rrset's values as dig sees them at 127.0.0.1:port, or null when there is none (a contract's `lookup`); TXT as its text. */
export async function digRrset(port: number, name: string, type: string): Promise<string[] | null> {
  const answers = await dig('127.0.0.1', port, name, type);
  if (answers.length === 0) return null;
  return type === 'TXT' ? answers.map(txtFromPresentation).sort() : answers;
}

/** The text of a TXT record in presentation form (`"a \"quoted\" word" "more"`): its quoted strings, escapes (\X, \DDD) decoded, joined. */
export function txtFromPresentation(line: string): string {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(\d{3}|.)/g, (_, e: string) => (e.length === 3 ? String.fromCharCode(Number(e)) : e))).join('');
}
