import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** Compiling an OpenAPI 3 / Swagger 2 document (or an excerpt of one) into per-operation validators, for servermock. */

/** A parsed API description: an OpenAPI 3 or Swagger 2 document (or an excerpt with the same shape). */
export interface ApiSpec {
  document: Record<string, unknown>;
  /** Where the document came from, for messages. */
  source: string;
}

export interface Operation {
  template: string;
  method: string;
  matcher: RegExp;
  vars: string[];
  query?: ValidateFunction;
  params?: ValidateFunction;
  body?: ValidateFunction;
  requiredQuery: string[];
  knownQuery: Set<string>;
  responses: Map<string, ValidateFunction>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

export function templateMatcher(template: string): { matcher: RegExp; vars: string[] } {
  const vars: string[] = [];
  const pattern = template
    .split('/')
    .map((seg) => seg.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_m, v: string) => (vars.push(v), '([^/]+)')))
    .join('/');
  return { matcher: new RegExp(`^${pattern}$`), vars };
}

/** Compiles the operations of an API description into validators. */
export function compileSpec(spec: ApiSpec): Operation[] {
  const doc = spec.document;
  const swagger2 = typeof doc.swagger === 'string';
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, discriminator: false });
  const coercing = new Ajv({ strict: false, allErrors: true, logger: false, coerceTypes: 'array' });
  for (const a of [ajv, coercing]) addFormats.default(a);
  const ops: Operation[] = [];
  for (const [template, item] of Object.entries((doc.paths ?? {}) as Record<string, Record<string, unknown>>)) {
    const shared = (item.parameters ?? []) as Array<Record<string, unknown>>;
    for (const method of METHODS) {
      const op = item[method] as Record<string, unknown> | undefined;
      if (!op) continue;
      const params = [...shared, ...((op.parameters ?? []) as Array<Record<string, unknown>>)].map((p) => resolveRef(doc, p));
      const schemaOf = (p: Record<string, unknown>) => (swagger2 ? swaggerParamSchema(p) : (p.schema ?? {}));
      const inQuery = params.filter((p) => p.in === 'query');
      const inPath = params.filter((p) => p.in === 'path');
      const objectOf = (list: Array<Record<string, unknown>>) => ({
        type: 'object',
        properties: Object.fromEntries(list.map((p) => [p.name as string, schemaOf(p)])),
      });
      const o: Operation = {
        template,
        method: method.toUpperCase(),
        ...templateMatcher(template),
        requiredQuery: inQuery.filter((p) => p.required).map((p) => p.name as string),
        knownQuery: new Set(inQuery.map((p) => p.name as string)),
        responses: new Map(),
      };
      if (inQuery.length) o.query = compile(coercing, withDoc(doc, objectOf(inQuery)));
      if (inPath.length) o.params = compile(coercing, withDoc(doc, objectOf(inPath)));
      if (swagger2) {
        const body = params.find((p) => p.in === 'body');
        if (body) o.body = compile(ajv, withDoc(doc, body.schema as object));
        for (const [status, r] of Object.entries((op.responses ?? {}) as Record<string, Record<string, unknown>>)) {
          if (resolveRef(doc, r).schema) o.responses.set(status, compile(ajv, withDoc(doc, resolveRef(doc, r).schema as object)));
        }
      } else {
        const content = (resolveRef(doc, (op.requestBody ?? {}) as Record<string, unknown>).content ?? {}) as Record<string, { schema?: object }>;
        if (content['application/json']?.schema) o.body = compile(ajv, withDoc(doc, content['application/json'].schema));
        for (const [status, r] of Object.entries((op.responses ?? {}) as Record<string, Record<string, unknown>>)) {
          const json = (resolveRef(doc, r).content as Record<string, { schema?: object }> | undefined)?.['application/json'];
          if (json?.schema) o.responses.set(status, compile(ajv, withDoc(doc, json.schema)));
        }
      }
      ops.push(o);
    }
  }
  return ops;
}

/**
 * An excerpt may keep an operation whose schema points at a definition it left out: that schema
 * compiles to a check that always fails and says so, so it matters only if the operation is used.
 */
function compile(ajv: Ajv, schema: object): ValidateFunction {
  try {
    return ajv.compile(schema);
  } catch (e) {
    const missing = (e as { missingRef?: string }).missingRef;
    if (!missing) throw e;
    const unchecked = (() => false) as unknown as ValidateFunction;
    unchecked.errors = [{ instancePath: '', schemaPath: '', keyword: '$ref', params: {}, message: `cannot be checked: ${missing} is not in the document` }];
    return unchecked;
  }
}

/** A schema compiled on its own, with the document's definitions reachable through its local $refs. */
function withDoc(doc: Record<string, unknown>, schema: object): object {
  return { ...schema, components: doc.components, definitions: doc.definitions };
}

function resolveRef(doc: Record<string, unknown>, node: Record<string, unknown>): Record<string, unknown> {
  const target = node.$ref;
  if (typeof target !== 'string' || !target.startsWith('#/')) return node;
  let at: unknown = doc;
  for (const seg of target.slice(2).split('/')) at = (at as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  return resolveRef(doc, at as Record<string, unknown>);
}

/** Swagger 2 puts a query parameter's schema keywords on the parameter itself. */
function swaggerParamSchema(p: Record<string, unknown>): object {
  const { name: _n, in: _i, required: _r, description: _d, ...schema } = p;
  return schema;
}

export const errorsOf = (v: ValidateFunction): string =>
  (v.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`).join('; ');
