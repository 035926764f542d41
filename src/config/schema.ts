import * as z from 'zod/mini';
import { DURATION_PATTERN, parseDuration } from '../../providers/kit/duration.js';
import { argv, doc, nonEmpty, optional } from '../../providers/kit/schema.js';
import type { ProviderFactory } from '../../providers/kit/types.js';

/**
 * The config file's shape, as the user writes it. Cross-field rules (IP family vs record type,
 * provider references, duplicates) and defaults live in resolve.ts; this file is also the source of
 * `dnsfail schema`, so every key carries its documentation.
 */

const durationString = doc(
  z.string().check(z.regex(DURATION_PATTERN, { message: 'expected a duration such as 500ms, 2s or 1m' })),
  'Duration: a number followed by ms, s, m or h (e.g. 500ms, 2s, 1m)',
);
const duration = (description: string) => doc(z.optional(durationString), description);
const fastInterval = () =>
  optional(
    z.string().check(z.regex(new RegExp(`^off$|${DURATION_PATTERN.source}`), { message: 'expected off or a duration such as 500ms or 2s' })),
    'After a failed probe of a server still counted up, probe it again after this long, until it has failed fall times in a row or passes (HAProxy fastinter). off: wait for the next run. Default 2s.',
  );
const int = (min: number, max?: number) => z.number().check(z.int(), z.minimum(min), ...(max !== undefined ? [z.maximum(max)] : []));
const statusSpec = z.union([int(100, 599), z.string()]);

/** One day: longer only keeps a dead server's address in caches after a failover (and Cloudflare's maximum). */
export const MAX_TTL = 86400;
const TTL_MEANING = `ttl is how many seconds resolvers may keep the address, from 1 to ${MAX_TTL} (one day); after a failover clients keep using the old address that long, so 60 to 300 suits most records`;
/** TTLs are often written as durations (1h) or out of range elsewhere: the messages say the unit and the bounds in words. */
const ttlSeconds = z
  .number({
    error: (issue) => {
      const ms = typeof issue.input === 'string' ? parseDuration(issue.input) : null;
      return ms === null ? undefined : `ttl is a number of seconds: write ${Math.max(1, Math.round(ms / 1000))}, not ${issue.input as string}`;
    },
  })
  .check(
    z.int({ error: (issue) => `${String(issue.input)} is not a whole number: ${TTL_MEANING}` }),
    z.minimum(1, { error: (issue) => `${String(issue.input)} is too short: ${TTL_MEANING}` }),
    z.maximum(MAX_TTL, { error: (issue) => `${String(issue.input)} is too long: ${TTL_MEANING}` }),
  );

export const checkSchema = doc(
  z.strictObject({
    type: optional(
      z.enum(['tcp', 'http', 'https', 'command']),
      'tcp: connect; http/https: request to the server IP; command: run an argv. Omit to adjust the inherited check.',
    ),
    port: optional(int(1, 65535), 'Port to probe. Default 80 for http, 443 for https; required for tcp.'),
    timeout: duration('Whole-probe deadline. Default 2s.'),
    path: optional(z.string().check(z.startsWith('/')), 'http/https: request path. Default /.'),
    host: optional(z.string(), 'http/https: Host header and TLS SNI. Default: the record alias, else its name.'),
    method: optional(z.enum(['GET', 'HEAD']), 'http/https: request method. Default GET.'),
    headers: optional(z.record(z.string(), z.string()), 'http/https: extra request headers.'),
    expectStatus: optional(
      z.union([statusSpec, z.array(statusSpec).check(z.minLength(1))]),
      'http/https: healthy status codes, e.g. "200-299", 204 or ["200", "301-302"]. Default "200-399".',
    ),
    expectBody: optional(nonEmpty(), 'http/https: the body must contain this text, or match it when written /regex/flags.'),
    maxBodyBytes: optional(int(1, 16 * 1024 * 1024), 'http/https: bytes of body read at most. Default 65536.'),
    insecure: optional(z.boolean(), 'https: do not verify the certificate. Default false.'),
    caFile: optional(z.string(), 'https: PEM file with extra CA certificates to trust.'),
    command: optional(
      argv(),
      'command: argv run without a shell; exit 0 means healthy. Env DNSFAIL_ADDRESS and DNSFAIL_NAME are set.',
    ),
  }),
  'Health check. A record check replaces the defaults check when its type differs, else adjusts it; a server check does the same over the record check.',
);

const serverSchema = z.union([
  doc(z.string(), 'IP literal of the server'),
  z.strictObject({
    address: doc(z.string(), 'IP literal of the server'),
    label: optional(nonEmpty(), 'Name shown in output (e.g. backup-dc2)'),
    check: z.optional(checkSchema),
    fastInterval: fastInterval(),
  }),
]);

const recordTunables = {
  type: optional(
    z.enum(['A', 'AAAA'], { error: 'must be A or AAAA: dnsfail manages the address record; the CNAME is your alias (set alias to its name)' }),
    'Record type. Default A.',
  ),
  provider: optional(z.string(), 'Key of an entry under providers.'),
  ttl: optional(ttlSeconds, `TTL in seconds (1 to ${MAX_TTL}) for the written record. Default 60.`),
  strategy: optional(z.enum(['failover', 'all']), 'failover: the first up server (default); all: every up server in queue order (at most max).'),
  max: optional(int(1), 'strategy all: publish at most this many addresses.'),
  onAllDown: optional(z.string(), 'When no server is up: "keep" leaves the record as it is (default), or an IP literal to publish as a fallback.'),
  check: z.optional(checkSchema),
  fall: optional(int(1, 100), 'Consecutive failed probes before an up server counts as down. Default 3.'),
  rise: optional(int(1, 100), 'Consecutive good probes before a down server counts as up. Default 2.'),
  fastInterval: fastInterval(),
  failback: optional(z.enum(['auto', 'sticky']), 'auto: return to a higher server once it is up (default); sticky: stay on the active one until it fails.'),
};

const recordSchema = z.strictObject({
  name: doc(z.string(), 'The managed record (the target of your CNAME), e.g. app.example.test'),
  alias: optional(z.string(), 'The public name that CNAMEs here; default Host header/SNI for http checks.'),
  ...recordTunables,
  servers: doc(z.array(serverSchema).check(z.minLength(1)), 'Ordered queue: the top is preferred.'),
});

const notifierSchema = z.strictObject({
  type: doc(z.enum(['webhook', 'slack', 'discord', 'exec']), 'webhook: JSON POST; slack/discord: their incoming-webhook payloads; exec: run an argv'),
  url: optional(z.string(), 'webhook/slack/discord: the URL (a secret: Slack and Discord URLs carry a token). Or urlFile.'),
  urlFile: optional(z.string(), 'File holding the URL.'),
  headers: optional(z.record(z.string(), z.string()), 'webhook: extra request headers (values are treated as secrets).'),
  command: optional(
    argv(),
    'exec: argv run without a shell; env DNSFAIL_EVENT, DNSFAIL_NAME, DNSFAIL_TYPE, DNSFAIL_OLD, DNSFAIL_NEW, DNSFAIL_REASON; the JSON payload on stdin.',
  ),
  events: optional(z.array(z.enum(['change', 'all-down', 'recovery', 'error', 'quorum-lost'])).check(z.minLength(1)), 'Which events to send. Default: change, all-down, recovery, quorum-lost.'),
  timeout: duration('Per notification. Default 5s.'),
  allowInsecureHttp: optional(z.boolean(), 'Allow a plain-http URL that is not loopback.'),
});

const vantageSchema = z.strictObject({
  id: optional(z.string(), "This checker's id, one of peers (e.g. ${DNSFAIL_VANTAGE:-}). Default: the host name's first label."),
  peers: doc(z.array(z.string()).check(z.minLength(1)), "Every checker's id (lower-case letters, digits and -), the same list in every checker's config."),
  quorum: optional(z.number().check(z.int(), z.minimum(1)), 'Votes that must say a server is down before it counts down. Default: a majority of peers.'),
  staleAfter: duration('A vote older than this does not count. Default 10m; a checker writes its vote again after half of it.'),
  store: optional(z.string(), "The provider that keeps the votes (it must read and write TXT). Default: each record's own."),
  zone: optional(z.string(), 'Name the votes <id>._dnsfail.<record>.<zone>, in a zone of their own (e.g. one that is not public). Default <id>._dnsfail.<record>.'),
});

const pingSchema = z.strictObject({
  url: optional(z.string(), 'Dead-man\'s-switch URL (healthchecks.io style): URL/start before a run, URL after success, URL/fail after a failure. Or urlFile.'),
  urlFile: z.optional(z.string()),
  timeout: duration('Default 5s.'),
  allowInsecureHttp: z.optional(z.boolean()),
});

/**
 * For validation each provider block is checked by its own factory's schema (resolve.ts), which gives
 * clearer errors than a union; for `dnsfail schema` the union of the given factories' schemas is used.
 */
export function buildConfigSchema(factories?: ProviderFactory<any>[]) {
  const providerSchema = factories ? providerUnion(factories) : z.looseObject({ type: z.string() });
  return z.strictObject({
    providers: doc(z.record(z.string(), providerSchema), 'Named provider accounts that records refer to.'),
    defaults: optional(z.strictObject(recordTunables), 'Defaults for every record key.'),
    records: doc(z.array(recordSchema).check(z.minLength(1)), 'Managed records.'),
    notify: optional(z.array(notifierSchema), 'Where to tell about a change, an all-down and a recovery (not every run).'),
    ping: optional(pingSchema, 'Liveness pings after every run.'),
    vantage: optional(vantageSchema, 'Several checkers on the same records: each keeps a vote per record in a TXT record, and a server counts down only when a quorum of votes says so (README: Several checkers).'),
    state: optional(nonEmpty(), "State file, relative to this config file's directory, so check, status and unlock share it without --state (which still wins). Default $DNSFAIL_STATE, else $XDG_STATE_HOME/dnsfail/state.json."),
  });
}

function providerUnion(factories: ProviderFactory<any>[]): z.core.$ZodType {
  const thirdParty = doc(
    z.looseObject({ type: doc(z.string().check(z.regex(/^(\.\.?\/|\/)/)), 'Path to a third-party provider module (see providers/README.md)') }),
    'A third-party provider loaded from a module path; its own keys are checked when dnsfail loads it.',
  );
  const schemas = [...factories.map((f) => f.configSchema as z.core.$ZodType), thirdParty];
  return z.union(schemas as unknown as [z.core.$ZodType, z.core.$ZodType, ...z.core.$ZodType[]]);
}

export type RawNotifier = z.infer<typeof notifierSchema>;
export type RawPing = z.infer<typeof pingSchema>;
export type RawConfig = z.infer<ReturnType<typeof buildConfigSchema>>;
export type RawCheck = z.infer<typeof checkSchema>;
export type RawRecord = z.infer<typeof recordSchema>;
export type RawTunables = NonNullable<RawConfig['defaults']>;
