import type * as z from 'zod/mini';
import { closest } from '../util/suggest.js';
import type { Problem } from './resolve.js';
import type { PathSegment } from './yaml-source.js';

type Issue = z.core.$ZodIssue;

const startsWith = (path: readonly PathSegment[], prefix: readonly PathSegment[]) => prefix.every((seg, i) => path[i] === seg);

/**
 * schema.safeParse with readable problems (paths under `prefix`). `unknown` lists the paths of values
 * that cannot be known here (an unset ${VAR} under validate --offline): problems about them are left
 * out, and the keys holding them are dropped for another pass, for a result that the rest can be
 * checked against. What that pass finds is the work of the missing keys ("url is required"), not
 * reported. `data` is missing when the value could be checked only in part.
 */
export function parseChecked(
  /** A zod schema, or a third-party provider's hand-written one with the same safeParse. */
  schema: z.ZodMiniType,
  value: unknown,
  prefix: PathSegment[] = [],
  unknown: readonly PathSegment[][] = [],
): { data?: unknown; problems: Problem[] } {
  const aboutUnknown = (p: Problem) => unknown.some((u) => startsWith(p.path, u)) && !wrongKindFromEnv(p);
  let current = value;
  for (let pass = 0; ; pass++) {
    const result = schema.safeParse(current);
    if (result.success) return { data: result.data, problems: [] };
    const problems = problemsFromZod(result.error, schema, prefix);
    const known = problems.filter((p) => !aboutUnknown(p));
    if (known.length) return { problems: pass === 0 ? known : [] };
    const next = structuredClone(current);
    const dropped = unknown.filter((u) => problems.some((p) => startsWith(p.path, u)) && removeKey(next, u.slice(prefix.length)));
    if (!dropped.length) return { problems: [] };
    current = next;
  }
}

/** A ${VAR} always gives a string: where the schema wants a number or a boolean, no value of it is right. */
export const wrongKindFromEnv = (p: Problem) => / received string\b/.test(p.message);

/** Deletes the object key at `path` (not an array element: that would shift the others). */
function removeKey(root: unknown, path: readonly PathSegment[]): boolean {
  let node = root;
  for (const seg of path.slice(0, -1)) node = node && typeof node === 'object' ? (node as Record<PathSegment, unknown>)[seg] : undefined;
  const key = path.at(-1);
  if (typeof key !== 'string' || !node || typeof node !== 'object' || Array.isArray(node) || !(key in node)) return false;
  delete (node as Record<string, unknown>)[key];
  return true;
}

/** zod issues → problems with readable messages; unknown keys get a "did you mean". */
export function problemsFromZod(error: z.core.$ZodError, schema: z.core.$ZodType, prefix: PathSegment[] = []): Problem[] {
  const out: Problem[] = [];
  const add = (issues: readonly Issue[], base: PathSegment[]): void => {
    for (const issue of issues) {
      const rel = [...base, ...(issue.path as PathSegment[])];
      const path = [...prefix, ...rel];
      if (issue.code === 'unrecognized_keys') {
        const known = keysAt(schema, rel);
        for (const key of issue.keys) {
          const guess = closest(key, known);
          out.push({ path: [...path, key], message: `unknown key "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}` });
        }
      } else if (issue.code === 'invalid_union') {
        const branch = closestBranch(issue.errors);
        if (branch) add(branch, rel);
        else out.push({ path, message: unionMessage(issue.errors, path) });
      } else {
        out.push({ path, message: readable(issue, path) });
      }
    }
  };
  add(error.issues, []);
  return out;
}

/**
 * The union branch the user was writing: the one that did not fail on the value's kind itself
 * (an object given where a string is expected). Only when exactly one branch got that far.
 */
function closestBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const near = branches.filter((issues) => !issues.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_union')));
  return near.length === 1 ? near[0] : undefined;
}

function unionMessage(branches: readonly (readonly Issue[])[], path: PathSegment[]): string {
  const at = path.at(-2);
  if (at === 'servers') return 'expected an IP address string or an object with address (and optional label, check)';
  const rootIssues = (issues: readonly Issue[]): Issue[] =>
    issues.filter((i) => i.path.length === 0).flatMap((i) => (i.code === 'invalid_union' ? i.errors.flatMap(rootIssues) : [i]));
  const flat = branches.flatMap(rootIssues);
  const kinds = flat.filter((i) => i.code === 'invalid_type').map((i) => (i as { expected: string }).expected);
  const received = flat.find((i) => i.code === 'invalid_type')?.message.match(/received (\w+)/)?.[1];
  const unique = [...new Set(kinds)];
  return unique.length ? `expected ${unique.join(' or ')}${received ? `, received ${received}` : ''}` : 'does not match any allowed form';
}

/** zod's English, minus its "Invalid input:" preambles and a repeated key name. */
function readable(issue: Issue, path: PathSegment[]): string {
  const key = path.at(-1);
  let message = issue.message.replace(/^Invalid input: /, '');
  if (typeof key === 'string' && message.startsWith(`${key}: `)) message = message.slice(key.length + 2);
  if (issue.code === 'invalid_type' && /received undefined$/.test(message)) return `is required (${message.replace(/, received undefined$/, '')})`;
  if (issue.code === 'invalid_value' && message.startsWith('Invalid option') && issue.values.length > 1) {
    return `must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (issue.code === 'invalid_format' && issue.format === 'url') return 'is not a URL (e.g. https://api.example.com)';
  return message;
}

/** Keys a strict object accepts at a path of the data (walking arrays, records, optionals, unions). */
function keysAt(schema: z.core.$ZodType, path: PathSegment[]): string[] {
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
