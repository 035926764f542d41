import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { registerSecret } from '../kit/redact.js';
import { ProviderError } from '../kit/errors.js';
import type { AwsCredentials } from './sign.js';

export interface CredentialSources {
  /** From the provider config (secretAccessKeyFile was already read by the config loader). */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  profile?: string;
  env: Record<string, string | undefined>;
  /** Home directory for ~/.aws; default $HOME, else the OS's idea of it. */
  homeDir?: string;
}

/**
 * The first complete set of static keys, in this order:
 * 1. accessKeyId + secretAccessKey in the config;
 * 2. with `profile` in the config: that profile (and nothing else);
 * 3. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
 * 4. the profile $AWS_PROFILE (else "default") in the shared credentials file
 *    ($AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials), then in the config file ($AWS_CONFIG_FILE or ~/.aws/config).
 * Throws an auth error that names every place looked at, never a value.
 */
export function resolveCredentials(src: CredentialSources): AwsCredentials {
  const { env } = src;
  if (src.accessKeyId && src.secretAccessKey) return remember({ accessKeyId: src.accessKeyId, secretAccessKey: src.secretAccessKey, sessionToken: src.sessionToken });

  const looked: string[] = ['accessKeyId/secretAccessKey in the provider config'];
  if (!src.profile) {
    if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
      return remember({ accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN });
    }
    looked.push('env AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY');
  }

  const home = src.homeDir ?? env.HOME ?? homedir();
  const profile = src.profile ?? env.AWS_PROFILE ?? 'default';
  const files = [
    { path: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'), section: profile },
    { path: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'), section: profile === 'default' ? 'default' : `profile ${profile}` },
  ];
  let unsupported: string | undefined;
  for (const f of files) {
    const text = readOptional(f.path);
    const section = text === undefined ? undefined : parseIni(text)[f.section];
    if (section?.aws_access_key_id && section.aws_secret_access_key) {
      return remember({ accessKeyId: section.aws_access_key_id, secretAccessKey: section.aws_secret_access_key, sessionToken: section.aws_session_token });
    }
    const indirect = section && ['role_arn', 'sso_session', 'sso_start_url', 'credential_process', 'web_identity_token_file'].find((k) => section[k] !== undefined);
    if (indirect) unsupported ??= `profile "${profile}" in ${f.path} uses ${indirect}, which dnsfail does not support (give it static keys)`;
    looked.push(`profile "${profile}" in ${f.path}${text === undefined ? ' (no such file)' : section ? ' (no keys)' : ' (no such profile)'}`);
  }
  throw new ProviderError('auth', `no AWS credentials found${unsupported ? `: ${unsupported}` : ''} (looked at: ${looked.join('; ')})`);
}

/** Keys found outside the config are registered for redaction too, so no printed line can carry them. */
function remember(c: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined }): AwsCredentials {
  registerSecret(c.secretAccessKey);
  if (c.sessionToken) registerSecret(c.sessionToken);
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) };
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The AWS shared config/credentials INI dialect: `[section]`, `key = value`, `#`/`;` comments. */
export function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (section) {
      current = out[section[1]!] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq === -1 || !current || /^\s/.test(raw)) continue; // nested (indented) sub-settings are not credentials
    current[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return out;
}
