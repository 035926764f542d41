import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { registerSecret } from '../log/redact.js';
import type { Problem } from './resolve.js';
import type { PathSegment } from './yaml-source.js';

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
        problems.push({ path: [...path, fileKey], message: `cannot read secret file ${file} (${code})` });
        continue;
      }
    }
    if (typeof obj[key] === 'string') registerSecret(obj[key]);
  }
  return out;
}
