import { randomInt } from 'node:crypto';
import { ProviderError } from '../kit/errors.js';
import { parseDuration } from '../kit/duration.js';
import { bareName } from '../kit/records.js';
import type { ProviderContext } from '../kit/types.js';
import type { Rfc2136Config, Rfc2136Deps } from './index.js';
import { answerError, parseServer, type AnswerContext } from './parse.js';
import { createExchange, serverText } from './transport.js';
import { signMessage, verifyResponse, type TsigKey } from './tsig.js';
import { encodeCheckUpdate, encodeQuery, encodeUpdate, parseMessage, WireError, type RawMessage, type UpdateSpec } from './wire.js';

export const DEFAULT_TIMEOUT = '3s';

/** The DNS messages dnsfail sends to the zone's primary, each signed with the TSIG key when one is set. */
export interface Rfc2136Api {
  /** The server as `host:port`, for messages. */
  readonly server: string;
  readonly keyName?: string;
  /** A query for ctx.name/ctx.type; the answer, verified and with its rcode checked. */
  query(ctx: AnswerContext): Promise<RawMessage>;
  /** An UPDATE: resolves when the server applied it. */
  update(ctx: AnswerContext, spec: Omit<UpdateSpec, 'id'>): Promise<void>;
  /** The update that changes nothing (its prerequisite cannot hold): resolves when the key may update. */
  checkUpdate(ctx: AnswerContext, probeName: string): Promise<void>;
}

export function createRfc2136Api(config: Rfc2136Config, _ctx: ProviderContext, deps: Rfc2136Deps = {}): Rfc2136Api {
  const server = parseServer(config.server);
  if (!server) throw new ProviderError('fatal', `server ${JSON.stringify(config.server)} is not an IP address with an optional port`);
  const at = serverText(server);
  const timeoutMs = parseDuration(config.timeout ?? DEFAULT_TIMEOUT) ?? 3000;
  const exchange = deps.exchange ?? createExchange(server, timeoutMs);
  const now = deps.now ?? Date.now;
  let key: TsigKey | undefined;
  if (config.tsig) {
    if (!config.tsig.secret) throw new ProviderError('fatal', `tsig.secret (or tsig.secretFile) is required for key ${config.tsig.name}`);
    key = { name: bareName(config.tsig.name), algorithm: config.tsig.algorithm ?? 'hmac-sha256', secret: Buffer.from(config.tsig.secret, 'base64') };
  }

  /** Signs (when a key is set), sends, parses, verifies, and maps the answer's rcode. */
  const send = async (unsigned: Buffer, ctx: AnswerContext): Promise<RawMessage> => {
    const signed = key ? signMessage(unsigned, key, Math.floor(now() / 1000)) : null;
    const answer = await exchange(signed ? signed.message : unsigned);
    let msg: RawMessage;
    try {
      msg = parseMessage(answer);
    } catch (e) {
      if (e instanceof WireError) throw new ProviderError('transient', `malformed answer from ${at}: ${e.message}`);
      throw e;
    }
    const tsig = key && signed ? verifyResponse(answer, key, signed.mac, Math.floor(now() / 1000), msg) : null;
    const err = answerError(msg, tsig, ctx);
    if (err) throw err;
    return msg;
  };

  return {
    server: at,
    ...(key ? { keyName: key.name } : {}),
    query: (ctx) => send(encodeQuery(randomInt(0x10000), ctx.name, ctx.type), ctx),
    update: async (ctx, spec) => {
      await send(encodeUpdate({ id: randomInt(0x10000), ...spec }), ctx);
    },
    checkUpdate: async (ctx, probeName) => {
      await send(encodeCheckUpdate(randomInt(0x10000), ctx.zone, probeName), ctx);
    },
  };
}
