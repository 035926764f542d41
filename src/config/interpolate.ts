import type { PathSegment } from './yaml-source.js';

export interface InterpolationProblem {
  path: PathSegment[];
  message: string;
}

/** Paths of the string values that held a `${...}` reference (messages about them can say so). */
export type InterpolatedPaths = PathSegment[][];

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` (or `${NAME:-default}`) in every string value with the environment's value.
 * Returns the new tree and the problems (unset variables), each with the path it was found at.
 */
export function interpolateEnv(
  value: unknown,
  env: Record<string, string | undefined>,
  path: PathSegment[] = [],
  problems: InterpolationProblem[] = [],
  interpolated: InterpolatedPaths = [],
): { value: unknown; problems: InterpolationProblem[]; interpolated: InterpolatedPaths } {
  if (typeof value === 'string') {
    REF.lastIndex = 0;
    if (REF.test(value)) interpolated.push(path);
    const out = value.replace(REF, (whole, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      // A repository secret that is not set reaches a GitHub Actions job as an empty string.
      problems.push({ path, message: `environment variable ${name} is ${v === '' ? 'empty' : 'not set'}` });
      return whole;
    });
    return { value: out, problems, interpolated };
  }
  if (Array.isArray(value)) {
    return { value: value.map((v, i) => interpolateEnv(v, env, [...path, i], problems, interpolated).value), problems, interpolated };
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, [...path, k], problems, interpolated).value;
    return { value: out, problems, interpolated };
  }
  return { value, problems, interpolated };
}
