import type { ProviderConfig } from './types.js';
import { formatPath, type PathSegment } from './yaml-source.js';

const isLiteral = (v: unknown): v is string => typeof v === 'string' && v !== '' && !v.includes('${');

/**
 * The secrets written into the config itself, as opposed to `${ENV}` references or `<key>File`:
 * only these are exposed when the file is readable by others. `data` is the config as parsed,
 * before environment interpolation.
 */
export function literalSecretPaths(data: unknown, providers: Record<string, ProviderConfig>): string[] {
  const root = (data ?? {}) as Record<string, any>;
  const found: PathSegment[][] = [];
  const visit = (path: PathSegment[]) => {
    let v: any = root;
    for (const seg of path) v = v && typeof v === 'object' ? v[seg] : undefined;
    if (isLiteral(v)) found.push(path);
  };
  for (const [id, p] of Object.entries(providers)) {
    for (const dotted of p.factory.secretKeys ?? []) visit(['providers', id, ...dotted.split('.')]);
  }
  const notify = Array.isArray(root.notify) ? root.notify : [];
  notify.forEach((n: any, i: number) => {
    visit(['notify', i, 'url']);
    if (n && typeof n.headers === 'object') for (const h of Object.keys(n.headers ?? {})) visit(['notify', i, 'headers', h]);
  });
  visit(['ping', 'url']);
  return found.map(formatPath);
}

/** ddclient and ssh refuse or warn in the same spot: a secret in a file the group or world can read. */
export function exposedSecretWarning(file: string, mode: number, literalPaths: readonly string[]): string | undefined {
  if (!literalPaths.length || (mode & 0o077) === 0) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  const shown = literalPaths.length > 3 ? `${literalPaths.slice(0, 3).join(', ')} and ${literalPaths.length - 3} more` : literalPaths.join(', ');
  return (
    `${file} holds ${literalPaths.length === 1 ? 'a secret' : 'secrets'} in plain text (${shown}) and other users can read it (mode ${octal}): ` +
    `run chmod 600 on it, or move the secret out with <key>File: /path or \${ENV_VAR}`
  );
}
