import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { doc, nonEmpty, optional } from '../kit/schema.js';
import { DURATION_PATTERN, parseDuration } from '../kit/duration.js';
import { isInZone } from '../kit/dns-name.js';
import { ProviderError } from '../kit/errors.js';
import { DOMAIN_RE, bareName, domainName, wantedAddresses } from '../kit/records.js';
import type { Provider, ProviderContext, ProviderFactory, RecordRef } from '../kit/types.js';
import { createRfc2136Api } from './api.js';
import { parseServer, readAnswer, type AnswerContext } from './parse.js';
import type { Exchange } from './transport.js';
import { WireError } from './wire.js';

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const tsigSchema = doc(
  z
    .strictObject({
      name: doc(
        z.string().check(z.regex(DOMAIN_RE, 'must be a key name like dnsfail-key')),
        'Key name exactly as the server knows it (BIND `key "NAME"`, PowerDNS tsigkey name).',
      ),
      algorithm: optional(z.enum(['hmac-sha256', 'hmac-sha512']), 'HMAC algorithm of the key. Default hmac-sha256.'),
      secret: optional(z.string().check(z.minLength(1), z.regex(BASE64_RE, 'must be base64 (as tsig-keygen prints it)')), 'The key\'s secret, base64. Prefer secretFile or ${ENV}.'),
      secretFile: optional(nonEmpty(), 'File holding the base64 secret (read at load time; a trailing newline is dropped).'),
    })
    .check(z.refine((t) => t.secret !== undefined || t.secretFile !== undefined, { message: 'give secret or secretFile' })),
  'TSIG key (RFC 8945) that signs every query and update. Strongly recommended: without it the server must allow updates by IP address.',
);

export const rfc2136ConfigSchema = doc(
  z.strictObject({
    type: doc(
      z.literal('rfc2136'),
      'Provider kind: DNS UPDATE (RFC 2136) signed with TSIG, sent straight to the zone\'s primary server (BIND, PowerDNS, Knot, …).',
    ),
    server: doc(
      z
        .string()
        .check(
          z.refine(
            (s) => parseServer(s) !== null,
            'must be an IP address with an optional port: 192.0.2.1, 192.0.2.1:5353, 2001:db8::1 or [2001:db8::1]:5353 (no host names)',
          ),
        ),
      'The primary server: an IP literal with optional port (default 53); IPv6 with a port goes in brackets. Host names are not accepted.',
    ),
    zone: doc(domainName(), 'The zone the records are in, e.g. example.com. Managed names must be inside it.'),
    tsig: z.optional(tsigSchema),
    timeout: optional(
      z.string().check(
        z.regex(DURATION_PATTERN, 'must be a duration like 2s or 500ms'),
        z.refine((t) => (parseDuration(t) ?? 0) > 0, 'must be more than 0'),
      ),
      'How long to wait for each answer (UDP, then TCP when needed). Default 3s.',
    ),
  }),
  'RFC 2136 provider: reads the record with a DNS query and replaces it with one compare-and-set UPDATE.',
);

export type Rfc2136Config = z.infer<typeof rfc2136ConfigSchema>;

export interface Rfc2136Deps {
  /** Replaces the network (tests count or fault requests through it). */
  exchange?: Exchange;
  /** Clock for TSIG, in ms since the epoch. */
  now?: () => number;
}

export function createRfc2136Provider(config: Rfc2136Config, ctx: ProviderContext, deps: Rfc2136Deps = {}): Provider {
  const api = createRfc2136Api(config, ctx, deps);
  const zone = bareName(config.zone);

  const context = (op: AnswerContext['op'], ref: RecordRef): AnswerContext => {
    const name = bareName(ref.name);
    if (!isInZone(name, zone)) throw new ProviderError('fatal', `${name} is not inside zone ${zone}`);
    return { op, server: api.server, zone, name, type: ref.type, ...(api.keyName ? { keyName: api.keyName } : {}) };
  };

  return {
    async read(ref) {
      const ctx = context('query', ref);
      const msg = await api.query(ctx);
      try {
        return readAnswer(msg, ctx);
      } catch (e) {
        if (e instanceof WireError) throw new ProviderError('transient', `malformed answer from ${api.server}: ${e.message}`);
        throw e;
      }
    },

    async write(ref, req) {
      const ctx = context('update', ref);
      const values = wantedAddresses(ctx.type, req.values);
      const previous = req.previous && req.previous.values.length > 0 ? wantedAddresses(ctx.type, req.previous.values) : null;
      if (!Number.isInteger(req.ttl) || req.ttl < 0 || req.ttl > 0x7fffffff) throw new ProviderError('fatal', `TTL ${req.ttl} is out of range`);
      await api.update(ctx, { zone, name: ctx.name, type: ctx.type, previous, values, ttl: req.ttl });
    },

    async checkWrite(ref) {
      await api.checkUpdate(context('check', ref), `dnsfail-check-${randomBytes(8).toString('hex')}.${zone}`);
    },
  };
}

export const rfc2136Provider: ProviderFactory<Rfc2136Config> = {
  kind: 'rfc2136',
  description: 'DNS UPDATE (RFC 2136) with TSIG to the zone\'s primary: BIND, PowerDNS, Knot, Windows DNS.',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: true, batch: false, txt: true },
  secretKeys: ['tsig.secret'],
  configSchema: rfc2136ConfigSchema,
  zoneOf: (config) => bareName(config.zone),
  create: (config, ctx) => createRfc2136Provider(config, ctx),
};

export default rfc2136Provider;
