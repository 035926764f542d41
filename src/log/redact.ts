/**
 * Every secret the config loads is registered here, and every line dnsfail prints or stores passes
 * through redact(): a provider error that echoes a request cannot leak a token.
 */
const secrets = new Set<string>();

export function registerSecret(value: string): void {
  // Very short values would turn ordinary words into "***"; they are not worth protecting this way.
  if (value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

/** For tests. */
export function clearSecrets(): void {
  secrets.clear();
}
