/**
 * A small XML reader for the few Route 53 documents dnsfail uses (API version 2013-04-01), rather
 * than an XML dependency: these documents are small, namespaced by a default xmlns only, and carry no
 * DTDs; anything else (a DOCTYPE, a half-closed tag) is refused.
 */

export const XMLNS = 'https://route53.amazonaws.com/doc/2013-04-01/';

export interface XmlElement {
  /** Local name, without a namespace prefix. */
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text directly inside this element (entities decoded). */
  text: string;
}

export class XmlError extends Error {}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    const v = ENTITIES[e];
    if (v === undefined) throw new XmlError(`unknown entity ${m}`);
    return v;
  });
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const localName = (qname: string) => qname.slice(qname.indexOf(':') + 1);

/** Parses one XML document into its root element. Throws XmlError on anything malformed. */
export function parseXml(doc: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const fail = (why: string): never => {
    throw new XmlError(`${why} at offset ${i}`);
  };
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = doc.slice(i, lt === -1 ? doc.length : lt);
    if (text.trim()) {
      const top = stack.at(-1);
      if (!top) fail('text outside the root element');
      else top.text += decodeEntities(text);
    }
    if (lt === -1) break;
    i = lt;
    if (doc.startsWith('<?', i)) {
      const end = doc.indexOf('?>', i);
      if (end === -1) fail('unterminated processing instruction');
      i = end + 2;
    } else if (doc.startsWith('<!--', i)) {
      const end = doc.indexOf('-->', i);
      if (end === -1) fail('unterminated comment');
      i = end + 3;
    } else if (doc.startsWith('<![CDATA[', i)) {
      const end = doc.indexOf(']]>', i);
      const top = stack.at(-1);
      if (end === -1 || !top) fail('bad CDATA section');
      top!.text += doc.slice(i + 9, end);
      i = end + 3;
    } else if (doc.startsWith('<!', i)) {
      fail('DTDs are not accepted');
    } else if (doc.startsWith('</', i)) {
      const end = doc.indexOf('>', i);
      if (end === -1) fail('unterminated end tag');
      const name = localName(doc.slice(i + 2, end).trim());
      const open = stack.pop();
      if (!open || open.name !== name) fail(`unexpected </${name}>`);
      if (stack.length === 0) root = open;
      i = end + 1;
    } else {
      const m = /^<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/.exec(doc.slice(i));
      if (!m) fail('malformed start tag');
      if (root) fail('a second root element');
      const attrs: Record<string, string> = {};
      for (const a of m![2]!.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[a[1]!] = decodeEntities(a[2] ?? a[3] ?? '');
      const el: XmlElement = { name: localName(m![1]!), attrs, children: [], text: '' };
      stack.at(-1)?.children.push(el);
      if (m![3]) {
        if (stack.length === 0) root = el;
      } else {
        stack.push(el);
      }
      i += m![0].length;
    }
  }
  if (stack.length) fail(`<${stack.at(-1)!.name}> is not closed`);
  if (!root) fail('no root element');
  return root!;
}

export const child = (el: XmlElement | undefined, name: string): XmlElement | undefined => el?.children.find((c) => c.name === name);
export const children = (el: XmlElement | undefined, name: string): XmlElement[] => el?.children.filter((c) => c.name === name) ?? [];
export const textOf = (el: XmlElement | undefined, name: string): string | undefined => {
  const c = child(el, name);
  return c === undefined ? undefined : c.text.trim();
};
