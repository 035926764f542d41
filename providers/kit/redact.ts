/**
 * Every secret the config loads is registered here, and every line dnsfail prints or stores passes
 * through redact(): a provider error that echoes a request cannot leak a token.
 */
// One set per process, kept on globalThis: a third-party provider's own copy of the kit
// (dnsfail/provider) registers into the same set the CLI's output goes through.
const secrets: Set<string> = ((globalThis as Record<symbol, unknown>)[Symbol.for('dnsfail.secrets')] ??= new Set<string>()) as Set<string>;

/**
 * Credentials in an echoed request whatever their value: a DynDNS2 password travels as
 * base64(user:password), which no registered secret matches.
 */
const CREDENTIAL_HEADER = /\b(authorization|proxy-authorization|x-api-key|x-auth-key|x-amz-security-token)(["']?\s*[:=]\s*["']?)((?:basic|bearer|digest)\s+)?(?!(?:basic|bearer|digest)\b)[A-Za-z0-9._~+/=-]{6,}/gi;

export function registerSecret(value: string): void {
  // Very short values would turn ordinary words into "***"; they are not worth protecting this way.
  if (value.length < 4) return;
  secrets.add(value);
  // As it appears in a URL or a form body.
  secrets.add(encodeURIComponent(value));
}

export function redact(text: string): string {
  let out = text.replace(CREDENTIAL_HEADER, '$1$2$3***');
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

/** For tests. */
export function clearSecrets(): void {
  secrets.clear();
}
