import * as z from 'zod/mini';
import { doc, nonEmpty, optional } from '../kit/schema.js';
import type { RecordType } from '../kit/types.js';
import { isInZone, normalizeDnsName } from '../kit/dns-name.js';
import { canonicalIp, ipFamily, sameAddressSet } from '../kit/ip.js';
import { assertSafeUrl } from '../kit/http.js';
import { ProviderError } from '../kit/errors.js';
import type { CurrentRecord, ItemResult, Provider, ProviderContext, ProviderFactory, RecordRef, WriteItem, WriteRequest } from '../kit/types.js';
import { DEFAULT_ENDPOINT, Route53Api } from './api.js';
import { resolveCredentials } from './credentials.js';
import { ChangeBatchError, compareListingOrder, isCasMessage, packChangeGroups, rrsetNamedIn, toFqdn, type Change, type Rrset } from './parse.js';
import type { AwsCredentials } from './sign.js';
import { DOMAIN_RE, asError, checkAddress, throwIfOneFailure } from '../kit/records.js';

const DEFAULT_WAIT_TIMEOUT_MS = 60_000;
const DEFAULT_WAIT_INTERVAL_MS = 2_000;

export const route53ConfigSchema = doc(
  z
    .strictObject({
      type: doc(z.literal('route53'), 'Provider kind: AWS Route 53 (REST API 2013-04-01, SigV4).'),
      hostedZoneId: optional(
        z.string().check(z.regex(/^(?:\/hostedzone\/)?[A-Za-z0-9]{1,32}$/, 'must be a hosted zone id like Z0123456789ABC')),
        'The hosted zone\'s id (Z0123456789ABC). Give this or `zone`.',
      ),
      zone: optional(
        z.string().check(z.regex(DOMAIN_RE, 'must be a domain name')),
        'The hosted zone\'s name (example.com), looked up with ListHostedZonesByName. Give this or `hostedZoneId`.',
      ),
      privateZone: optional(z.boolean(), 'With `zone`: use the private hosted zone of that name instead of the public one. Default false.'),
      profile: optional(
        nonEmpty(),
        'Profile in the shared credentials file ($AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials) or ~/.aws/config. Default: env keys, then $AWS_PROFILE, then "default".',
      ),
      accessKeyId: optional(nonEmpty(), 'Access key id. Needs secretAccessKey (or secretAccessKeyFile). Default: env, then the profile.'),
      secretAccessKey: optional(nonEmpty(), 'Secret access key; prefer secretAccessKeyFile or ${ENV}. Never printed.'),
      secretAccessKeyFile: optional(nonEmpty(), 'File holding the secret access key (read at load time).'),
      sessionToken: optional(nonEmpty(), 'Session token of temporary credentials (with accessKeyId). Never printed.'),
      sessionTokenFile: optional(nonEmpty(), 'File holding the session token (read at load time).'),
      wait: optional(z.boolean(), 'After a change, poll GetChange until Route 53 reports INSYNC (every 2 s, at most 60 s). Default false.'),
      endpoint: optional(nonEmpty(), `API base URL. Default ${DEFAULT_ENDPOINT}.`),
      allowInsecureHttp: optional(z.boolean(), 'Allow a plain-http endpoint that is not loopback. Default false.'),
    })
    .check(
      z.superRefine((c, ctx) => {
        if (!c.hostedZoneId === !c.zone) ctx.addIssue({ code: 'custom', path: ['hostedZoneId'], message: 'give either hostedZoneId or zone' });
        if (c.privateZone !== undefined && !c.zone) ctx.addIssue({ code: 'custom', path: ['privateZone'], message: 'privateZone needs zone (with hostedZoneId it is implied)' });
        const hasSecret = c.secretAccessKey !== undefined || c.secretAccessKeyFile !== undefined;
        if (c.accessKeyId && !hasSecret) ctx.addIssue({ code: 'custom', path: ['secretAccessKey'], message: 'accessKeyId needs secretAccessKey or secretAccessKeyFile' });
        if (!c.accessKeyId && hasSecret) ctx.addIssue({ code: 'custom', path: ['accessKeyId'], message: 'secretAccessKey needs accessKeyId' });
        if (!c.accessKeyId && (c.sessionToken !== undefined || c.sessionTokenFile !== undefined)) ctx.addIssue({ code: 'custom', path: ['sessionToken'], message: 'sessionToken needs accessKeyId and secretAccessKey' });
        if (c.profile && c.accessKeyId) ctx.addIssue({ code: 'custom', path: ['profile'], message: 'give either profile or accessKeyId, not both' });
        if (c.endpoint) {
          try {
            assertSafeUrl(c.endpoint, c.allowInsecureHttp, 'endpoint');
          } catch (e) {
            ctx.addIssue({ code: 'custom', path: ['endpoint'], message: (e as Error).message.slice('endpoint: '.length) });
          }
        }
      }),
    ),
  'AWS Route 53: replaces the rrset with a compare-and-set change batch [DELETE old, CREATE new].',
);

export type Route53Config = z.infer<typeof route53ConfigSchema>;

export interface Route53Deps {
  /** Environment for credentials (default process.env). */
  env?: Record<string, string | undefined>;
  homeDir?: string;
  now?: () => Date;
  /** `wait: true` polling; tests shorten these. */
  waitIntervalMs?: number;
  waitTimeoutMs?: number;
  /** Per HTTP attempt (default 10 s). */
  timeoutMs?: number;
}

export function createRoute53Provider(config: Route53Config, ctx: ProviderContext, deps: Route53Deps = {}): Provider {
  const endpoint = config.endpoint ?? DEFAULT_ENDPOINT;
  let credentials: AwsCredentials | undefined;
  const api = new Route53Api({
    endpoint,
    userAgent: ctx.userAgent,
    ...(config.allowInsecureHttp !== undefined ? { allowInsecureHttp: config.allowInsecureHttp } : {}),
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    credentials: () =>
      (credentials ??= resolveCredentials({
        ...(config.accessKeyId ? { accessKeyId: config.accessKeyId } : {}),
        ...(config.secretAccessKey ? { secretAccessKey: config.secretAccessKey } : {}),
        ...(config.sessionToken ? { sessionToken: config.sessionToken } : {}),
        ...(config.profile ? { profile: config.profile } : {}),
        env: deps.env ?? process.env,
        ...(deps.homeDir ? { homeDir: deps.homeDir } : {}),
      })),
  });
  const zoneName = config.zone ? config.zone.toLowerCase().replace(/\.$/, '') : undefined;
  const waitIntervalMs = deps.waitIntervalMs ?? DEFAULT_WAIT_INTERVAL_MS;
  const waitTimeoutMs = deps.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;

  let zoneId: Promise<string> | undefined = config.hostedZoneId ? Promise.resolve(config.hostedZoneId.replace(/^\/hostedzone\//, '')) : undefined;
  const hostedZoneId = (): Promise<string> => {
    zoneId ??= findZone(api, zoneName!, config.privateZone ?? false).catch((e: unknown) => {
      zoneId = undefined; // a failed lookup is tried again next time
      throw e;
    });
    return zoneId;
  };

  const checkName = (ref: RecordRef): string => {
    const wildcard = ref.name.startsWith('*.');
    const rest = normalizeDnsName(wildcard ? ref.name.slice(2) : ref.name);
    const name = rest && (wildcard ? `*.${rest}` : rest);
    if (!name) throw new ProviderError('fatal', `${JSON.stringify(ref.name)} is not a valid record name`);
    if (zoneName && !isInZone(name, zoneName)) throw new ProviderError('fatal', `${name} is not inside hosted zone ${zoneName}`);
    return name;
  };

  /** The rrset as read, or an error for this ref (alias, routing policy). */
  const toCurrent = (ref: RecordRef, name: string, listed: Rrset[]): CurrentRecord | null | Error => {
    const found = listed.filter((r) => r.name === name && r.type === ref.type);
    const first = found[0];
    // A CNAME sorts after A and AAAA in the listing order, so a listing from (name, A or AAAA) shows it.
    const cname = listed.find((r) => r.name === name && r.type === 'CNAME' && !r.alias && r.values[0]);
    if (!first && cname) return { values: [], cname: cname.values[0]!.toLowerCase().replace(/\.$/, '') };
    if (!first) return null;
    if (first.alias) return new ProviderError('fatal', `${name} ${ref.type} is an alias record in Route 53; dnsfail manages only plain records (delete the alias or use another name)`);
    if (first.setIdentifier !== undefined) {
      return new ProviderError('fatal', `${name} ${ref.type} has a routing policy in Route 53 (SetIdentifier ${JSON.stringify(first.setIdentifier)}); dnsfail manages only simple records`);
    }
    return { values: first.values, ...(first.ttl !== undefined ? { ttl: first.ttl } : {}) };
  };

  /**
   * ListResourceRecordSets starts at the first rrset at or after (name, type) and goes on in its
   * order. So: sort the wanted rrsets that way, list from the first one not yet settled (300 per page,
   * or 1 for a single record), settle every wanted rrset the page covers, and jump to the next one.
   * Requests: at most one per wanted rrset, and about one per 300 rrsets of the zone between them.
   */
  const readMany = async (refs: RecordRef[]): Promise<Array<CurrentRecord | null | Error>> => {
    const out: Array<CurrentRecord | null | Error> = refs.map(() => null);
    const wanted: { at: number; ref: RecordRef; name: string }[] = [];
    refs.forEach((ref, at) => {
      try {
        wanted.push({ at, ref, name: checkName(ref) });
      } catch (e) {
        out[at] = asError(e);
      }
    });
    wanted.sort((a, b) => compareListingOrder({ name: a.name, type: a.ref.type }, { name: b.name, type: b.ref.type }));
    let settled = 0;
    try {
      const zid = wanted.length ? await hostedZoneId() : '';
      for (let k = 0; k < wanted.length; settled = k) {
        const from = wanted[k]!;
        const page = await api.listRrsets(zid, toFqdn(from.name), from.ref.type, wanted.length - k === 1 ? 1 : MAX_LIST_ITEMS);
        const last = page.rrsets.at(-1);
        // Settle the first one always (so a page always moves on), then all the page has passed.
        do {
          const w = wanted[k]!;
          out[w.at] = toCurrent(w.ref, w.name, page.rrsets);
          k++;
        } while (k < wanted.length && (!page.isTruncated || (last !== undefined && compareListingOrder({ name: wanted[k]!.name, type: wanted[k]!.ref.type }, last) <= 0)));
      }
    } catch (e) {
      // A failed listing leaves every rrset it did not settle unknown.
      for (const w of wanted.slice(settled)) out[w.at] = asError(e);
    }
    throwIfOneFailure(out.filter((r): r is Error => r instanceof Error), refs.length);
    return out;
  };

  const waitInSync = async (changeId: string): Promise<void> => {
    const deadline = Date.now() + waitTimeoutMs;
    for (;;) {
      await new Promise((r) => setTimeout(r, waitIntervalMs));
      try {
        if ((await api.getChange(changeId)).status === 'INSYNC') return;
      } catch (e) {
        // Polling, not retrying: a throttled or failed poll just waits for the next one.
        if (!(e instanceof ProviderError && (e.kind === 'transient' || e.kind === 'rate-limited'))) throw e;
      }
      if (Date.now() + waitIntervalMs > deadline) {
        throw new ProviderError('fatal', `Route 53 accepted change ${changeId} but it was not INSYNC after ${Math.round(waitTimeoutMs / 1000)} s (wait: true); it will still apply`);
      }
    }
  };

  interface Planned {
    at: number;
    ref: RecordRef;
    name: string;
    values: string[];
    ttl: number;
    changes: Change[];
  }

  const writeMany = async (items: WriteItem[]): Promise<ItemResult[]> => {
    const results: ItemResult[] = items.map(() => ({ ok: true }));
    const fail = (at: number, error: unknown) => (results[at] = { ok: false, error });
    const checked: { at: number; ref: RecordRef; name: string; values: string[]; ttl: number; previous: CurrentRecord | null }[] = [];
    items.forEach(({ ref, req }, at) => {
      try {
        const name = checkName(ref);
        const values = [...new Set(req.values.map((v) => checkAddress(ref.type, v)))];
        if (values.length === 0) throw new ProviderError('fatal', `refusing to write an empty ${ref.type} rrset for ${name}`);
        checked.push({ at, ref, name, values, ttl: req.ttl, previous: req.previous });
      } catch (e) {
        fail(at, e);
      }
    });

    // A DELETE must repeat the TTL exactly: learn it where the caller did not have it (one listing for
    // all), and make sure the values are still the ones the caller read.
    const noTtl = checked.filter((c) => c.previous && c.previous.ttl === undefined);
    if (noTtl.length) {
      const now = await readManyQuiet(noTtl.map((c) => c.ref));
      noTtl.forEach((c, i) => {
        const r = now[i]!;
        if (r instanceof Error) fail(c.at, r);
        else if (!r || !sameAddressSet(r.values, c.previous!.values)) fail(c.at, conflict(c.name, c.ref.type));
        else c.previous = r;
      });
    }

    const planned: Planned[] = [];
    for (const c of checked) {
      if (!results[c.at]!.ok) continue;
      const { previous, name, values, ttl } = c;
      if (previous && sameAddressSet(previous.values, values) && previous.ttl === ttl) continue;
      const wanted: Change = { action: 'CREATE', name, type: c.ref.type, ttl, values };
      planned.push({ ...c, changes: previous ? [{ action: 'DELETE', name, type: c.ref.type, ttl: previous.ttl!, values: previous.values }, wanted] : [wanted] });
    }
    if (planned.length === 0) return finish(results);

    let zid: string;
    try {
      zid = await hostedZoneId();
    } catch (e) {
      for (const p of planned) fail(p.at, e);
      return finish(results);
    }

    const lostCas: Planned[] = [];
    const changeIds: { id: string; batch: Planned[] }[] = [];
    /**
     * One all-or-nothing request. When Route 53 refuses it for some rrsets, it names them: those get
     * their own error (a lost compare-and-set is checked again below) and the rest is sent again, each
     * round dropping at least one. A refusal that names none fails every record of the batch, except a
     * compare-and-set one, which falls back to one request per record to find the culprit.
     */
    const send = async (batch: Planned[]): Promise<void> => {
      let pending = batch;
      while (pending.length > 0) {
        try {
          const info = await api.changeRrsets(zid, pending.flatMap((p) => p.changes));
          if (config.wait && info.status !== 'INSYNC') changeIds.push({ id: info.id, batch: pending });
          return;
        } catch (e) {
          if (!(e instanceof ChangeBatchError)) {
            for (const p of pending) fail(p.at, e);
            return;
          }
          const named = new Map<string, string>();
          for (const m of e.messages) {
            const key = rrsetNamedIn(m);
            if (key) named.set(key, m);
          }
          const bad = pending.filter((p) => named.has(`${p.name}/${p.ref.type}`));
          if (bad.length === 0) {
            if (e.kind === 'conflict' && pending.length > 1) {
              for (const p of pending) await send([p]);
            } else if (e.kind === 'conflict') {
              lostCas.push(...pending);
            } else {
              for (const p of pending) fail(p.at, e);
            }
            return;
          }
          for (const p of bad) {
            const message = named.get(`${p.name}/${p.ref.type}`)!;
            if (isCasMessage(message)) lostCas.push(p);
            else fail(p.at, new ProviderError('fatal', `Route 53 POST /hostedzone/…/rrset/: HTTP 400 InvalidChangeBatch: ${message.slice(0, 400)}`, { code: 'InvalidChangeBatch' }));
          }
          pending = pending.filter((p) => !bad.includes(p));
        }
      }
    };
    // One zone, so one request at a time (Route 53 answers PriorRequestNotComplete to overlapping ones).
    for (const group of packChangeGroups(planned.map((p) => p.changes))) await send(group.map((i) => planned[i]!));

    if (lostCas.length) {
      // Lost the compare-and-set. If the rrset already is what we want (an earlier attempt whose answer
      // was lost, or someone made the same change), the write is done; otherwise leave it to the next run.
      const now = await readManyQuiet(lostCas.map((p) => p.ref));
      lostCas.forEach((p, i) => {
        const r = now[i]!;
        if (r instanceof Error) fail(p.at, r);
        else if (!r || !sameAddressSet(r.values, p.values) || r.ttl !== p.ttl) fail(p.at, conflict(p.name, p.ref.type));
      });
    }
    for (const { id, batch } of changeIds) {
      try {
        await waitInSync(id);
      } catch (e) {
        for (const p of batch) fail(p.at, e);
      }
    }
    return finish(results);
  };

  /** readMany for the write path: a failed listing is per-ref errors, never thrown. */
  const readManyQuiet = (refs: RecordRef[]) => readMany(refs).catch((e: unknown) => refs.map(() => asError(e)));

  return {
    async read(ref: RecordRef): Promise<CurrentRecord | null> {
      const [r] = await readMany([ref]);
      if (r instanceof Error) throw r;
      return r ?? null;
    },

    async write(ref: RecordRef, req: WriteRequest): Promise<void> {
      const [result] = await writeMany([{ ref, req }]);
      if (result && !result.ok) throw result.error;
    },

    readMany,
    writeMany,
  };
}

const MAX_LIST_ITEMS = 300;

function finish(results: ItemResult[]): ItemResult[] {
  throwIfOneFailure(results.flatMap((r) => (r.ok ? [] : [r.error])), results.length);
  return results;
}

function conflict(name: string, type: RecordType, cause?: unknown): ProviderError {
  return new ProviderError('conflict', `${name} ${type} changed in Route 53 since it was read; not overwriting (the next run re-reads it)`, cause === undefined ? {} : { cause });
}

/** The hosted zone named exactly `zone`: the public one, or with privateZone the private one. */
async function findZone(api: Route53Api, zone: string, privateZone: boolean): Promise<string> {
  const page = await api.hostedZonesByName(zone);
  const named = page.zones.filter((z) => z.name === zone);
  const matching = named.filter((z) => z.privateZone === privateZone);
  const kind = privateZone ? 'private' : 'public';
  if (matching.length === 1) return matching[0]!.id;
  if (matching.length > 1) throw new ProviderError('fatal', `several ${kind} hosted zones are named ${zone} (${matching.map((z) => z.id).join(', ')}): set hostedZoneId`);
  const other = named.length ? ` (there is a ${privateZone ? 'public' : 'private'} one: ${privateZone ? 'remove privateZone' : 'set privateZone: true'}, or set hostedZoneId)` : '';
  throw new ProviderError('fatal', `no ${kind} hosted zone named ${zone} in this AWS account${other}`);
}

export const route53Provider: ProviderFactory<Route53Config> = {
  kind: 'route53',
  description: 'AWS Route 53: compare-and-set change batches signed with SigV4; reads the rrset first.',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: true, batch: true },
  secretKeys: ['secretAccessKey', 'sessionToken'],
  configSchema: route53ConfigSchema,
  create: (config, ctx) => createRoute53Provider(config, ctx),
};

export default route53Provider;
