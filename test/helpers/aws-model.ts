import { escapeXml, parseXml, type XmlElement } from '../../providers/route53/xml.js';
import { templateMatcher, type ApiDescription, type MockReply, type MockRequest } from './servermock.js';

/**
 * An AWS service model (botocore's service-2.json, rest-xml protocol) as a servermock description:
 * a small walker over the model's shapes checks each request (operation by method and URI template,
 * URI/query members, required members, the XML body's elements in model order, enums, lengths,
 * ranges, patterns) and each answer; `encode` writes an answer from a plain value by the output
 * shape, so answers are shaped by the model, not by hand.
 */

interface Member {
  shape: string;
  location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';
  locationName?: string;
}

interface Shape {
  type: string;
  members?: Record<string, Member>;
  required?: string[];
  member?: Member;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  error?: { httpStatusCode?: number };
  exception?: boolean;
}

interface OperationModel {
  name: string;
  http: { method: string; requestUri: string; responseCode?: number };
  input?: { shape: string; locationName?: string; xmlNamespace?: { uri: string } };
  output?: { shape: string };
  errors?: { shape: string }[];
}

export interface ServiceModel {
  metadata: { apiVersion: string; protocol: string };
  operations: Record<string, OperationModel>;
  shapes: Record<string, Shape>;
}

/** A plain value for a shape: structures are objects keyed by member name, lists arrays. */
export type ModelValue = string | number | boolean | Date | ModelValue[] | { [member: string]: ModelValue | undefined };

export interface AwsModelDescription extends ApiDescription {
  /** An answer document for `operation`'s output shape; throws on a member the shape lacks. */
  encode(operation: string, value: ModelValue): string;
}

/**
 * @param errorCodes error codes AWS answers outside the model (its common errors: auth, throttling);
 *   for these only the error document's form is checked.
 */
export function awsModelDescription(model: ServiceModel, source: string, xmlns: string, errorCodes: readonly string[]): AwsModelDescription {
  const shapes = model.shapes;
  const shape = (name: string): Shape => {
    const s = shapes[name];
    if (!s) throw new Error(`${source}: no shape ${name}`);
    return s;
  };
  const ops = Object.values(model.operations).map((op) => ({ op, ...templateMatcher(op.http.requestUri.split('?')[0]!) }));
  const elementName = (name: string, m: Member) => m.locationName ?? name;

  /** Checks a scalar's text form against its shape. */
  const checkScalar = (name: string, text: string, where: string, problems: string[]): void => {
    const s = shape(name);
    const bad = (why: string) => problems.push(`${where}: ${JSON.stringify(text)} ${why} (${name})`);
    if (s.type === 'string') {
      if (s.enum && !s.enum.includes(text)) bad(`is not one of ${s.enum.join(', ')}`);
      if (s.min !== undefined && text.length < s.min) bad(`is shorter than ${s.min}`);
      if (s.max !== undefined && text.length > s.max) bad(`is longer than ${s.max}`);
      // Smithy patterns are ECMA-262 and not anchored.
      if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(text)) bad(`does not match /${s.pattern}/`);
    } else if (s.type === 'long' || s.type === 'integer') {
      if (!/^-?\d+$/.test(text)) bad('is not an integer');
      else if ((s.min !== undefined && Number(text) < s.min) || (s.max !== undefined && Number(text) > s.max)) bad(`is outside ${s.min ?? '…'}..${s.max ?? '…'}`);
    } else if (s.type === 'boolean') {
      if (text !== 'true' && text !== 'false') bad('is not true or false');
    } else if (s.type === 'timestamp') {
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(text)) bad('is not an ISO 8601 timestamp');
    } else {
      bad(`has a type (${s.type}) this walker does not know`);
    }
  };

  /** Walks an element against a shape: structure members in model order, list items, scalar text. */
  const checkElement = (name: string, el: XmlElement, where: string, problems: string[]): void => {
    const s = shape(name);
    if (s.type === 'structure') {
      const members = Object.entries(s.members ?? {}).filter(([, m]) => m.location === undefined);
      const seen = new Set<string>();
      let last = -1;
      if (el.text.trim()) problems.push(`${where}: text inside a structure (${name})`);
      for (const c of el.children) {
        const at = members.findIndex(([n, m]) => elementName(n, m) === c.name);
        if (at === -1) {
          problems.push(`${where}: <${c.name}> is not a member of ${name}`);
          continue;
        }
        if (seen.has(c.name)) problems.push(`${where}: <${c.name}> appears twice`);
        else if (at < last) problems.push(`${where}: <${c.name}> is out of the model's order (${members.map(([n, m]) => elementName(n, m)).join(', ')})`);
        seen.add(c.name);
        last = Math.max(last, at);
        checkElement(members[at]![1].shape, c, `${where}/${c.name}`, problems);
      }
      for (const r of s.required ?? []) {
        const m = s.members?.[r];
        if (m && m.location === undefined && !seen.has(elementName(r, m))) problems.push(`${where}: required member ${r} is missing (${name})`);
      }
    } else if (s.type === 'list') {
      const item = elementName('member', s.member!);
      for (const c of el.children) {
        if (c.name !== item) problems.push(`${where}: <${c.name}> in a list of <${item}>`);
        else checkElement(s.member!.shape, c, `${where}/${item}`, problems);
      }
      if (s.min !== undefined && el.children.length < s.min) problems.push(`${where}: fewer than ${s.min} <${item}> (${name})`);
      if (s.max !== undefined && el.children.length > s.max) problems.push(`${where}: more than ${s.max} <${item}> (${name})`);
    } else {
      if (el.children.length) problems.push(`${where}: elements inside a ${s.type} (${name})`);
      checkScalar(name, el.text, where, problems);
    }
  };

  const parse = (doc: string, where: string, problems: string[]): XmlElement | undefined => {
    try {
      return parseXml(doc);
    } catch (e) {
      problems.push(`${where}: not XML (${(e as Error).message})`);
      return undefined;
    }
  };

  const checkRequest = (req: MockRequest): { operation?: string; problems: string[] } => {
    const found = ops.find((o) => o.op.http.method === req.method && o.matcher.test(req.path));
    if (!found) return { problems: [`${req.method} ${req.path}: no such operation in ${source}`] };
    const { op } = found;
    const where = `${op.name} (${op.http.method} ${op.http.requestUri})`;
    const problems: string[] = [];
    const values = found.matcher.exec(req.path)!.slice(1);
    const uri = Object.fromEntries(found.vars.map((v, i) => [v, decodeURIComponent(values[i]!)]));
    const input = op.input ? shape(op.input.shape) : undefined;
    const members = Object.entries(input?.members ?? {});
    const queryNames = new Set(members.filter(([, m]) => m.location === 'querystring').map(([n, m]) => elementName(n, m)));
    for (const key of req.queryAll.keys()) if (!queryNames.has(key)) problems.push(`${where}: query parameter "${key}" is not in the model`);
    for (const [name, m] of members) {
      if (m.location !== 'uri' && m.location !== 'querystring' && m.location !== 'header') continue;
      const at = elementName(name, m);
      const value = m.location === 'uri' ? uri[at] : m.location === 'querystring' ? (req.queryAll.get(at) ?? undefined) : (req.headers[at.toLowerCase()] as string | undefined);
      if (value === undefined) {
        if (input!.required?.includes(name)) problems.push(`${where}: required member ${name} (${m.location} "${at}") is missing`);
      } else checkScalar(m.shape, value, `${where} ${m.location} "${at}"`, problems);
    }
    const bodyMembers = members.filter(([, m]) => m.location === undefined);
    if (bodyMembers.length === 0) {
      if (req.raw !== '') problems.push(`${where}: the model takes no request body`);
    } else if (req.raw === '') {
      if (bodyMembers.some(([n]) => input!.required?.includes(n))) problems.push(`${where}: the request body is missing`);
    } else {
      const root = parse(req.raw, where, problems);
      const rootName = op.input!.locationName ?? op.input!.shape;
      if (root && root.name !== rootName) problems.push(`${where}: the body's root is <${root.name}>, not <${rootName}>`);
      else if (root && op.input!.xmlNamespace && root.attrs.xmlns !== op.input!.xmlNamespace.uri) problems.push(`${where}: the body is not in the namespace ${op.input!.xmlNamespace.uri}`);
      else if (root) checkElement(op.input!.shape, root, `${where} body ${rootName}`, problems);
    }
    return { operation: op.name, problems };
  };

  const checkReply = (operation: string, reply: MockReply): string[] => {
    const op = model.operations[operation]!;
    const where = `${op.name} answer ${reply.status}`;
    const problems: string[] = [];
    if (typeof reply.body !== 'string') return [`${where}: the body is not an XML document`];
    if (reply.status < 300) {
      if (reply.status !== (op.http.responseCode ?? 200)) problems.push(`${where}: the model answers ${op.http.responseCode ?? 200}`);
      if (!op.output) return problems;
      const root = parse(reply.body, where, problems);
      if (root && root.name !== op.output.shape) problems.push(`${where}: the root is <${root.name}>, not <${op.output.shape}>`);
      else if (root && root.attrs.xmlns !== xmlns) problems.push(`${where}: the answer is not in the namespace ${xmlns}`);
      else if (root) checkElement(op.output.shape, root, `${where} ${op.output.shape}`, problems);
      return problems;
    }
    const root = parse(reply.body, where, problems);
    if (!root) return problems;
    const code = root.name === 'ErrorResponse' ? root.children.find((c) => c.name === 'Error')?.children.find((c) => c.name === 'Code')?.text : root.name;
    if (code === undefined) return [...problems, `${where}: an error document without a code`];
    const modelled = op.errors?.some((e) => e.shape === code);
    if (!modelled && !errorCodes.includes(code)) problems.push(`${where}: error ${code} is neither an error of ${op.name} in the model nor a common AWS error`);
    const status = modelled ? (shape(code).error?.httpStatusCode ?? 400) : undefined;
    if (status !== undefined && status !== reply.status) problems.push(`${where}: the model gives ${code} HTTP ${status}`);
    return problems;
  };

  /** Writes `value` as the elements of shape `name`, members in model order. */
  const write = (name: string, value: ModelValue, tag: string): string => {
    const s = shape(name);
    if (s.type === 'structure') {
      const obj = value as Record<string, ModelValue | undefined>;
      for (const key of Object.keys(obj)) if (!s.members?.[key]) throw new Error(`${source}: ${name} has no member ${key}`);
      const inner = Object.entries(s.members ?? {})
        .filter(([n, m]) => obj[n] !== undefined && m.location === undefined)
        .map(([n, m]) => write(m.shape, obj[n]!, elementName(n, m)))
        .join('');
      return `<${tag}>${inner}</${tag}>`;
    }
    if (s.type === 'list') return `<${tag}>${(value as ModelValue[]).map((v) => write(s.member!.shape, v, elementName('member', s.member!))).join('')}</${tag}>`;
    const text = value instanceof Date ? value.toISOString() : String(value);
    return `<${tag}>${escapeXml(text)}</${tag}>`;
  };

  const encode = (operation: string, value: ModelValue): string => {
    const out = model.operations[operation]?.output?.shape;
    if (!out) throw new Error(`${source}: ${operation} has no output shape`);
    return `<?xml version="1.0" encoding="UTF-8"?>\n${write(out, value, out).replace(`<${out}>`, `<${out} xmlns="${xmlns}">`)}`;
  };

  return { source, checkRequest, checkReply, encode };
}
