import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { registerSecret } from '../../providers/kit/redact.js';
import type { Problem } from './resolve.js';
import { formatPath, type PathSegment } from './yaml-source.js';

/**
 * For each secret key ("token", "tsig.secret"), accepts `<key>File` instead: the file is read now
 * (trailing newline dropped) and its content takes the key's place. Every secret value found is
 * registered for redaction, whichever way it arrived.
 */
export function resolveSecretFiles(
  block: Record<string, unknown>,
  secretKeys: readonly string[],
  baseDir: string,
  at: PathSegment[],
  problems: Problem[],
  /** validate --offline: a file that does not exist is listed here instead (the key's File entry stays). */
  missingFiles?: string[],
): Record<string, unknown> {
  const out = structuredClone(block);
  for (const dotted of secretKeys) {
    const parts = dotted.split('.');
    const key = parts.pop()!;
    let parent: unknown = out;
    for (const p of parts) parent = parent && typeof parent === 'object' ? (parent as Record<string, unknown>)[p] : undefined;
    if (!parent || typeof parent !== 'object') continue;
    const obj = parent as Record<string, unknown>;
    const fileKey = `${key}File`;
    const path = [...at, ...parts];
    if (obj[fileKey] !== undefined) {
      if (obj[key] !== undefined) {
        problems.push({ path: [...path, fileKey], message: `give either ${key} or ${fileKey}, not both` });
        continue;
      }
      const file = obj[fileKey];
      if (typeof file !== 'string') continue; // the schema reports the type
      try {
        const value = readFileSync(resolvePath(baseDir, file), 'utf8').replace(/\r?\n$/, '');
        if (!value) {
          // Left as it was, so the provider's schema does not also say the key is missing.
          problems.push({ path: [...path, fileKey], message: `secret file ${file} is empty` });
          continue;
        }
        obj[key] = value;
        delete obj[fileKey];
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'error';
        if (missingFiles && code === 'ENOENT') {
          missingFiles.push(`${formatPath([...path, fileKey])}: secret file ${file} does not exist`);
          continue;
        }
        problems.push({ path: [...path, fileKey], message: `cannot read secret file ${file} (${code})` });
        continue;
      }
    }
    if (typeof obj[key] === 'string') registerSecret(obj[key]);
  }
  return out;
}

/** A problem with a secret that came from `<key>File` is reported at that key (the line to look at), naming the file. */
export function atSecretFile(problem: Problem, block: Record<string, unknown>, secretKeys: readonly string[], at: PathSegment[]): Problem {
  for (const dotted of secretKeys) {
    const parts = dotted.split('.');
    const key = parts.pop()!;
    const owner = parts.reduce<unknown>((o, p) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[p] : undefined), block);
    const file = owner && typeof owner === 'object' ? (owner as Record<string, unknown>)[`${key}File`] : undefined;
    const path = [...at, ...parts, key];
    if (typeof file === 'string' && problem.path.length === path.length && path.every((seg, i) => problem.path[i] === seg)) {
      return { path: [...at, ...parts, `${key}File`], message: `${file}: ${problem.message}` };
    }
  }
  return problem;
}
