import * as z from 'zod';
import { DURATION_PATTERN } from './duration.js';

// A cron run validates one config once: compiling zod's fast object parsers (new Function) costs more than it saves.
z.config({ jitless: true });
import type { ProviderFactory } from '../../providers/types.js';

/**
 * The config file's shape, as the user writes it. Cross-field rules (IP family vs record type,
 * provider references, duplicates) and defaults live in resolve.ts; this file is also the source of
 * `dnsfail schema`, so every key carries its documentation.
 */

const duration = z
  .string()
  .regex(DURATION_PATTERN, { message: 'expected a duration such as 500ms, 2s or 1m' })
  .describe('Duration: a number followed by ms, s, m or h (e.g. 500ms, 2s, 1m)');

const port = z.number().int().min(1).max(65535);
const positiveInt = z.number().int().min(1);
const statusSpec = z.union([z.number().int().min(100).max(599), z.string()]);

export const checkSchema = z
  .object({
    type: z
      .enum(['tcp', 'http', 'https', 'command'])
      .optional()
      .describe('tcp: connect; http/https: request to the server IP; command: run an argv. Omit to adjust the inherited check.'),
    port: port.optional().describe('Port to probe. Default 80 for http, 443 for https; required for tcp.'),
    timeout: duration.optional().describe('Whole-probe deadline. Default 2s.'),
    path: z.string().startsWith('/').optional().describe('http/https: request path. Default /.'),
    host: z.string().optional().describe('http/https: Host header and TLS SNI. Default: the record alias, else its name.'),
    method: z.enum(['GET', 'HEAD']).optional().describe('http/https: request method. Default GET.'),
    headers: z.record(z.string(), z.string()).optional().describe('http/https: extra request headers.'),
    expectStatus: z
      .union([statusSpec, z.array(statusSpec).min(1)])
      .optional()
      .describe('http/https: healthy status codes, e.g. "200-299", 204 or ["200", "301-302"]. Default "200-399".'),
    expectBody: z
      .string()
      .min(1)
      .optional()
      .describe('http/https: the body must contain this text, or match it when written /regex/flags.'),
    maxBodyBytes: positiveInt.max(16 * 1024 * 1024).optional().describe('http/https: bytes of body read at most. Default 65536.'),
    insecure: z.boolean().optional().describe('https: do not verify the certificate. Default false.'),
    caFile: z.string().optional().describe('https: PEM file with extra CA certificates to trust.'),
    command: z
      .array(z.string())
      .min(1)
      .optional()
      .describe('command: argv run without a shell; exit 0 means healthy. Env DNSFAIL_ADDRESS and DNSFAIL_NAME are set.'),
  })
  .strict()
  .describe('Health check. A record check replaces the defaults check when its type differs, else adjusts it; a server check does the same over the record check.');

const serverSchema = z.union([
  z.string().describe('IP literal of the server'),
  z
    .object({
      address: z.string().describe('IP literal of the server'),
      label: z.string().min(1).optional().describe('Name shown in output (e.g. backup-dc2)'),
      check: checkSchema.optional(),
    })
    .strict(),
]);

const recordTunables = {
  type: z
    .enum(['A', 'AAAA'], { error: 'must be A or AAAA: dnsfail manages the address record; the CNAME is your alias (set alias to its name)' })
    .optional()
    .describe('Record type. Default A.'),
  provider: z.string().optional().describe('Key of an entry under providers.'),
  ttl: positiveInt.max(604800).optional().describe('TTL in seconds for the written record. Default 60.'),
  strategy: z
    .enum(['failover', 'all'])
    .optional()
    .describe('failover: the first up server (default); all: every up server in queue order (at most max).'),
  max: positiveInt.optional().describe('strategy all: publish at most this many addresses.'),
  onAllDown: z
    .string()
    .optional()
    .describe('When no server is up: "keep" leaves the record as it is (default), or an IP literal to publish as a fallback.'),
  check: checkSchema.optional(),
  fall: positiveInt.max(100).optional().describe('Consecutive failed probes before an up server counts as down. Default 3.'),
  rise: positiveInt.max(100).optional().describe('Consecutive good probes before a down server counts as up. Default 2.'),
  failback: z
    .enum(['auto', 'sticky'])
    .optional()
    .describe('auto: return to a higher server once it is up (default); sticky: stay on the active one until it fails.'),
};

const recordSchema = z
  .object({
    name: z.string().describe('The managed record (the target of your CNAME), e.g. app.example.test'),
    alias: z.string().optional().describe('The public name that CNAMEs here; default Host header/SNI for http checks.'),
    ...recordTunables,
    servers: z.array(serverSchema).min(1).describe('Ordered queue: the top is preferred.'),
  })
  .strict();

const notifierSchema = z
  .object({
    type: z.enum(['webhook', 'slack', 'discord', 'exec']).describe('webhook: JSON POST; slack/discord: their incoming-webhook payloads; exec: run an argv'),
    url: z.string().optional().describe('webhook/slack/discord: the URL (a secret: Slack and Discord URLs carry a token). Or urlFile.'),
    urlFile: z.string().optional().describe('File holding the URL.'),
    headers: z.record(z.string(), z.string()).optional().describe('webhook: extra request headers (values are treated as secrets).'),
    command: z.array(z.string()).min(1).optional().describe('exec: argv run without a shell; env DNSFAIL_EVENT, DNSFAIL_NAME, DNSFAIL_TYPE, DNSFAIL_OLD, DNSFAIL_NEW, DNSFAIL_REASON; the JSON payload on stdin.'),
    events: z
      .array(z.enum(['change', 'all-down', 'recovery', 'error']))
      .min(1)
      .optional()
      .describe('Which events to send. Default: change, all-down, recovery.'),
    timeout: duration.optional().describe('Per notification. Default 5s.'),
    allowInsecureHttp: z.boolean().optional().describe('Allow a plain-http URL that is not loopback.'),
  })
  .strict();

const pingSchema = z
  .object({
    url: z.string().optional().describe('Dead-man\'s-switch URL (healthchecks.io style): URL/start before a run, URL after success, URL/fail after a failure. Or urlFile.'),
    urlFile: z.string().optional(),
    timeout: duration.optional().describe('Default 5s.'),
    allowInsecureHttp: z.boolean().optional(),
  })
  .strict();

/**
 * For validation each provider block is checked by its own factory's schema (resolve.ts), which gives
 * clearer errors than a union; for `dnsfail schema` the union of the given factories' schemas is used.
 */
export function buildConfigSchema(factories?: ProviderFactory<any>[]) {
  const providerSchema = factories ? providerUnion(factories) : z.looseObject({ type: z.string() });
  return z
    .object({
      providers: z.record(z.string(), providerSchema).describe('Named provider accounts that records refer to.'),
      defaults: z.object(recordTunables).strict().optional().describe('Defaults for every record key.'),
      records: z.array(recordSchema).min(1).describe('Managed records.'),
      notify: z.array(notifierSchema).optional().describe('Where to tell about a change, an all-down and a recovery (not every run).'),
      ping: pingSchema.optional().describe('Liveness pings after every run.'),
    })
    .strict();
}

function providerUnion(factories: ProviderFactory<any>[]): z.ZodType {
  const thirdParty = z
    .looseObject({ type: z.string().regex(/^(\.\.?\/|\/)/).describe('Path to a third-party provider module (see providers/README.md)') })
    .describe('A third-party provider loaded from a module path; its own keys are checked when dnsfail loads it.');
  const schemas = [...factories.map((f) => f.configSchema as z.ZodType), thirdParty];
  return z.union(schemas as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
}

export type RawNotifier = z.infer<typeof notifierSchema>;
export type RawPing = z.infer<typeof pingSchema>;
export type RawConfig = z.infer<ReturnType<typeof buildConfigSchema>>;
export type RawCheck = z.infer<typeof checkSchema>;
export type RawRecord = z.infer<typeof recordSchema>;
export type RawTunables = NonNullable<RawConfig['defaults']>;
