const MAX_SHOWN = 60;

/** A value from the config, quoted for a message and cut short: a 2 MB string must not become a 2 MB error. */
export function quote(value: unknown): string {
  const text = String(value);
  const shown = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…" (${text.length} characters)` : `${text}"`;
  return `"${shown.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`;
}
