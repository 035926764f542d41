import type { z } from 'zod';
import { closest } from '../util/suggest.js';
import type { Problem } from './resolve.js';
import type { PathSegment } from './yaml-source.js';

/** zod issues → problems with readable messages; unknown keys get a "did you mean". */
export function problemsFromZod(error: z.ZodError, schema: z.ZodType, prefix: PathSegment[] = []): Problem[] {
  const out: Problem[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...(issue.path as PathSegment[])];
    if (issue.code === 'unrecognized_keys') {
      const known = keysAt(schema, issue.path as PathSegment[]);
      for (const key of issue.keys) {
        const guess = closest(key, known);
        out.push({ path: [...path, key], message: `unknown key "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}` });
      }
    } else if (issue.code === 'invalid_union') {
      out.push({ path, message: 'expected an IP address string or an object with address (and optional label, check)' });
    } else {
      out.push({ path, message: issue.message.replace(/^Invalid input: /, '') });
    }
  }
  return out;
}

/** Keys a strict object accepts at a path of the data (walking arrays, records, optionals, unions). */
function keysAt(schema: z.ZodType, path: PathSegment[]): string[] {
  const keys = new Set<string>();
  const visit = (s: unknown, rest: PathSegment[]): void => {
    const def = (s as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'readonly':
        return visit(def.innerType, rest);
      case 'pipe':
        return visit(def.in, rest);
      case 'union':
        for (const o of def.options as unknown[]) visit(o, rest);
        return;
      case 'array':
        return rest.length ? visit(def.element, rest.slice(1)) : undefined;
      case 'record':
        return rest.length ? visit(def.valueType, rest.slice(1)) : undefined;
      case 'object': {
        const shape = def.shape as Record<string, unknown>;
        if (rest.length === 0) for (const k of Object.keys(shape)) keys.add(k);
        else if (typeof rest[0] === 'string' && rest[0] in shape) visit(shape[rest[0]], rest.slice(1));
        return;
      }
    }
  };
  visit(schema, path);
  return [...keys];
}
