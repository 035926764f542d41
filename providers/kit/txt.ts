/**
 * TXT text in presentation form, the form zone files, PowerDNS's API and Route 53 use: each
 * character-string in double quotes, `"` and `\` escaped with `\`, any byte as `\DDD`.
 * dnsfail writes one character-string of printable ASCII (kit/records.ts checkAddress).
 */

/** The text as one quoted character-string. */
export function presentTxt(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** One character-string's escapes decoded: `\X` is X, `\DDD` the byte DDD. */
export function unescapeTxt(s: string): string {
  return s.replace(/\\(\d{3}|.)/g, (_, e: string) => (e.length === 3 ? String.fromCharCode(Number(e)) : e));
}

/** The text of a TXT record in presentation form: its character-strings, quoted or bare, decoded and joined (the SPF convention). */
export function txtOfPresentation(form: string): string {
  return [...form.matchAll(/"((?:[^"\\]|\\.)*)"|((?:[^\s"\\]|\\.)+)/g)].map((m) => unescapeTxt(m[1] ?? m[2] ?? '')).join('');
}
