import type { PathSegment } from './yaml-source.js';

export interface InterpolationProblem {
  path: PathSegment[];
  message: string;
}

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
): { value: unknown; problems: InterpolationProblem[] } {
  if (typeof value === 'string') {
    const out = value.replace(REF, (whole, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      problems.push({ path, message: `environment variable ${name} is not set` });
      return whole;
    });
    return { value: out, problems };
  }
  if (Array.isArray(value)) {
    return { value: value.map((v, i) => interpolateEnv(v, env, [...path, i], problems).value), problems };
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, [...path, k], problems).value;
    return { value: out, problems };
  }
  return { value, problems };
}
