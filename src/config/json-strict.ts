/**
 * A .json config is read by the YAML parser (for line numbers), which also accepts what JSON does not:
 * trailing commas, comments, single quotes, bare words. This finds the first such spot, so a .json file
 * means JSON. It reports an offset and a short reason, never the text itself (it may hold a secret).
 */
export function firstJsonError(text: string, maxDepth: number): { offset: number; message: string } | null {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fail = (message: string): never => {
    throw { offset: Math.min(i, text.length), message };
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (c: string, what: string) => {
    ws();
    if (text[i] !== c) fail(text[i] === undefined ? `unexpected end of file; expected ${what}` : `expected ${what}`);
    i++;
  };
  const string = () => {
    const m = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
    m.lastIndex = i;
    if (!m.exec(text)) fail('expected a "double-quoted" string');
    i = m.lastIndex;
  };
  const value = (depth: number): void => {
    if (depth > maxDepth) fail('nested too deeply (a config needs only a few levels)');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] === '}') fail('a comma before } (trailing commas are not JSON)');
        string();
        expect(':', '":" after the key');
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else return expect('}', '"," or "}"');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        ws();
        if (text[i] === ']') fail('a comma before ] (trailing commas are not JSON)');
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else return expect(']', '"," or "]"');
      }
    }
    if (c === '"') return string();
    const lit = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
    lit.lastIndex = i;
    if (!lit.exec(text)) fail(c === undefined ? 'unexpected end of file' : c === "'" ? 'strings need "double quotes"' : c === '/' || c === '#' ? 'comments are not JSON' : 'expected a value (a "string", number, true, false, null, [ or {)');
    i = lit.lastIndex;
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail('unexpected text after the end of the JSON value');
    return null;
  } catch (e) {
    if (e && typeof e === 'object' && 'offset' in e) return e as { offset: number; message: string };
    throw e;
  }
}
