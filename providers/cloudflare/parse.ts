import type { RecordRef, RecordType } from '../kit/types.js';
import { canonicalIp, ipFamily } from '../kit/ip.js';
import { presentTxt, txtOfPresentation } from '../kit/txt.js';
import { bareName } from '../kit/records.js';
import { ProviderError } from '../kit/errors.js';
import { parseRetryAfter } from '../kit/http.js';

/** Pure reading of Cloudflare API v4 answers and the plan of a write. No I/O here. */

/** Records dnsfail created carry this comment (possibly followed by more text); only those are ever deleted. */
export const OWNER_COMMENT = 'managed by dnsfail';

/** Cloudflare blocks every call for 5 minutes once the per-token budget is spent. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 300_000;

/** Error codes that mean the token is missing, malformed, unknown or lacks permission. */
export const AUTH_CODES = new Set([1000, 6003, 6111, 9103, 9106, 9109, 10000]);

export interface CfRecord {
  id: string;
  type: string;
  name: string;
  content: string;
  ttl: number;
  proxied: boolean;
  comment: string | null;
}

/**
 * A listed record of a type dnsfail reads (A, AAAA, CNAME) that it cannot use: no id, name or
 * content, or content that is not an address of its family. Whether it matters depends on whether
 * it is at a managed name (see `spoils`).
 */
export interface OddRecord {
  type?: string;
  name?: string;
  why: string;
}

export interface CfZone {
  id: string;
  name: string;
}

export interface CfApiError {
  code: number;
  message: string;
}

/** What a page says about paging: how many items it held, and the envelope's per_page and total_count when given. */
export interface PageInfo {
  size: number;
  perPage?: number;
  totalCount?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The `errors` of an envelope; [] when the body is not one. */
export function envelopeErrors(body: unknown): CfApiError[] {
  let data = body;
  if (typeof body === 'string') {
    try {
      data = JSON.parse(body) as unknown;
    } catch {
      return [];
    }
  }
  if (!isObject(data) || !Array.isArray(data.errors)) return [];
  return data.errors.flatMap((e) =>
    isObject(e) && typeof e.code === 'number' ? [{ code: e.code, message: typeof e.message === 'string' ? e.message : '' }] : [],
  );
}

/** "An A, AAAA, or CNAME record with that host already exists. (81053)"; several joined by "; ". */
export function describeErrors(errors: CfApiError[]): string {
  return errors.map((e) => `${e.message.replace(/\s+/g, ' ').trim().slice(0, 300)} (${e.code})`).join('; ');
}

/**
 * HTTP error → ProviderError kind (used as the shared client's `classify`). The message holds the
 * status and Cloudflare's own error messages, which never contain the token; the caller prefixes
 * method and path.
 */
export function classifyCloudflareError(status: number, body: string, headers: Record<string, string | string[] | undefined>): ProviderError {
  const errors = envelopeErrors(body);
  const detail = `HTTP ${status}${errors.length ? `: ${describeErrors(errors)}` : ''}`;
  const code = errors[0] ? String(errors[0].code) : undefined;
  const opts = code ? { code } : {};
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    const wait = retryAfterMs === undefined ? 'no Retry-After: Cloudflare blocks every call for 5 minutes' : `Retry-After ${Math.round(retryAfterMs / 1000)}s`;
    return new ProviderError('rate-limited', `${detail} (rate limited; ${wait})`, { ...opts, retryAfterMs: retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS });
  }
  if (status === 401 || status === 403 || errors.some((e) => AUTH_CODES.has(e.code))) {
    return new ProviderError('auth', `${detail} (token rejected or lacking permission: it needs Zone:DNS:Edit, and Zone:Read unless zoneId is set)`, opts);
  }
  if (status >= 500 || status === 408) return new ProviderError('transient', detail, opts);
  return new ProviderError('fatal', detail, opts);
}

/** The `result` of a successful envelope and its paging facts; `success: false` on a 2xx answer is fatal. */
export function envelopeResult(data: unknown): { result: unknown; perPage?: number; totalCount?: number } {
  if (!isObject(data)) throw new ProviderError('transient', 'the answer is not a Cloudflare API envelope');
  if (data.success !== true) {
    const errors = envelopeErrors(data);
    throw new ProviderError('fatal', `Cloudflare answered success: false${errors.length ? `: ${describeErrors(errors)}` : ''}`);
  }
  // total_pages is left alone: it entered the envelope only in 2026 (api-schemas a8609635), older answers lack it.
  const info = isObject(data.result_info) ? data.result_info : {};
  const count = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);
  const perPage = count(info.per_page);
  const totalCount = count(info.total_count);
  return { result: data.result, ...(perPage ? { perPage } : {}), ...(totalCount !== undefined ? { totalCount } : {}) };
}

/**
 * Whether a list is complete after this page, as the official SDK pages (cloudflare-typescript
 * V4PagePaginationArray: the next page until one comes back empty), stopping sooner on a short page
 * or once `total_count` items are in. `seen`: items of every page so far, this one included.
 */
export function isLastPage(page: PageInfo, seen: number, askedPerPage: number): boolean {
  if (page.size === 0 || page.size < (page.perPage ?? askedPerPage)) return true;
  return page.totalCount !== undefined && seen >= page.totalCount;
}

/** The types dnsfail reads: its own (TXT for votes), and CNAME (a CNAME at a managed name blocks it). */
const READ_TYPES = new Set(['A', 'AAAA', 'TXT', 'CNAME']);

/**
 * What a record holds, as dnsfail compares it: an address in canonical form, or a TXT record's text.
 * Cloudflare wants TXT content as quoted character-strings (RFC 1035); records made before that may
 * hold the bare text.
 */
export function recordValue(r: Pick<CfRecord, 'type' | 'content'>): string {
  if (r.type !== 'TXT') return canonicalIp(r.content);
  return r.content.trimStart().startsWith('"') ? txtOfPresentation(r.content) : r.content;
}

/** The content Cloudflare is sent for a value: an address as it is, TXT text as one quoted character-string. */
export const contentFor = (type: RecordType, value: string): string => (type === 'TXT' ? presentTxt(value) : value);

/**
 * One listed record: a CfRecord, an OddRecord (a type dnsfail reads, in a shape it cannot use), or
 * null for a record of any other type, whatever its shape (2026 answers may omit `content` of
 * several types): dnsfail never looks at those.
 */
export function parseListedRecord(v: unknown): CfRecord | OddRecord | null {
  if (!isObject(v)) return { why: 'a listed DNS record is not an object' };
  const type = typeof v.type === 'string' ? v.type : undefined;
  if (type !== undefined && !READ_TYPES.has(type)) return null;
  const name = typeof v.name === 'string' && v.name !== '' ? bareName(v.name) : undefined;
  const odd = (why: string): OddRecord => ({ ...(type ? { type } : {}), ...(name ? { name } : {}), why });
  if (!type || !name || typeof v.id !== 'string' || v.id === '') return odd('a listed DNS record lacks its id, type or name');
  const content = v.content;
  if (typeof content !== 'string' || content === '') return odd(`the ${type} record ${name} has no content`);
  if ((type === 'A' || type === 'AAAA') && ipFamily(content) !== (type === 'A' ? 4 : 6)) return odd(`the ${type} record ${name} holds ${JSON.stringify(content.slice(0, 60))}, not an address`);
  return {
    id: v.id,
    type,
    name,
    content,
    ttl: typeof v.ttl === 'number' ? v.ttl : 1,
    proxied: v.proxied === true,
    comment: typeof v.comment === 'string' ? v.comment : null,
  };
}

/** Whether an odd record may be one of `ref`'s rrset or a CNAME at its name, so that reading `ref` cannot trust the listing. */
export function spoils(odd: OddRecord, ref: RecordRef): boolean {
  return (odd.name === undefined || odd.name === ref.name) && (odd.type === undefined || odd.type === ref.type || odd.type === 'CNAME');
}

export function parseRecordPage(data: unknown): PageInfo & { records: CfRecord[]; odd: OddRecord[] } {
  const { result, ...info } = envelopeResult(data);
  if (!Array.isArray(result)) throw new ProviderError('transient', 'Cloudflare returned a DNS record list that is not an array');
  const records: CfRecord[] = [];
  const odd: OddRecord[] = [];
  for (const item of result) {
    const r = parseListedRecord(item);
    if (r && 'why' in r) odd.push(r);
    else if (r) records.push(r);
  }
  return { ...info, size: result.length, records, odd };
}

const toZone = (z: unknown): CfZone[] => (isObject(z) && typeof z.id === 'string' && typeof z.name === 'string' ? [{ id: z.id, name: bareName(z.name) }] : []);

export function parseZoneList(data: unknown): PageInfo & { zones: CfZone[] } {
  const { result, ...info } = envelopeResult(data);
  if (!Array.isArray(result)) throw new ProviderError('transient', 'Cloudflare returned a zone list that is not an array');
  return { ...info, size: result.length, zones: result.flatMap(toZone) };
}

export function parseZone(data: unknown): CfZone {
  const zone = toZone(envelopeResult(data).result)[0];
  if (!zone) throw new ProviderError('transient', 'Cloudflare returned a zone without id or name');
  return zone;
}

/** `a.b.example.com` → [`a.b.example.com`, `b.example.com`, `example.com`]: where its zone may start. */
export function zoneCandidates(name: string): string[] {
  const labels = name.split('.');
  const out: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) out.push(labels.slice(i).join('.'));
  return out;
}

/** The configured TTL as Cloudflare accepts it: 60–86400 (1 would mean "automatic", about 300 s). */
export function cloudflareTtl(ttl: number): number {
  return Math.min(86_400, Math.max(60, Math.round(ttl)));
}

export const isOwned = (r: CfRecord): boolean => (r.comment ?? '').startsWith(OWNER_COMMENT);

/**
 * The rrset as dnsfail sees it: the contents of the records of exactly that name and type, and their
 * longest TTL (what keeps a failover cached) unless a record is proxied (Cloudflare then serves its
 * own TTL, and planWrite leaves it).
 */
export function recordsToCurrent(records: CfRecord[]): { values: string[]; ttl?: number } | null {
  if (records.length === 0) return null;
  const values = records.map(recordValue);
  return records.some((r) => r.proxied) ? { values } : { values, ttl: Math.max(...records.map((r) => r.ttl)) };
}

/**
 * A PATCH of one record (alone or as a batch's `patches` item). type, name and content are sent
 * although they may not change: the 2024 spec requires them in the body and the 2026 one requires
 * type, name and ttl.
 */
export interface RecordPatch {
  id: string;
  type: RecordType;
  name: string;
  content: string;
  ttl: number;
}

export interface WritePlan {
  deletes: string[];
  patches: RecordPatch[];
  posts: string[];
}

export const planSize = (p: WritePlan): number => p.deletes.length + p.patches.length + p.posts.length;

/**
 * What to send so the records of one name and type hold exactly `values` with `ttl`:
 * records whose content is wanted stay (their TTL fixed if it differs; proxied records keep
 * Cloudflare's automatic TTL); other records are patched in place to a missing value (records
 * dnsfail does not own first, since it may not delete them), so their id, `proxied` and comment
 * survive; what is left over is deleted if dnsfail created it, and otherwise stops the write with a
 * `conflict` before anything is sent; values still missing are created.
 */
export function planWrite(existing: CfRecord[], values: string[], ttl: number, name: string, type: RecordType): WritePlan {
  const wanted = [...new Set(type === 'TXT' ? values : values.map(canonicalIp))];
  const kept = new Map<string, CfRecord>();
  const leftover: CfRecord[] = [];
  for (const r of existing) {
    const content = recordValue(r);
    if (wanted.includes(content) && !kept.has(content)) kept.set(content, r);
    else leftover.push(r);
  }
  const missing = wanted.filter((v) => !kept.has(v));
  const patches: RecordPatch[] = [];
  for (const r of kept.values()) if (!r.proxied && r.ttl !== ttl) patches.push({ id: r.id, type, name: r.name, content: r.content, ttl });

  // Stable: foreign records first (they cannot be deleted), then dnsfail's, each in the API's order.
  const reusable = [...leftover.filter((r) => !isOwned(r)), ...leftover.filter(isOwned)];
  const posts: string[] = [];
  for (const value of missing) {
    const r = reusable.shift();
    // A proxied record keeps its TTL (Cloudflare's automatic one).
    if (r) patches.push({ id: r.id, type, name: r.name, content: contentFor(type, value), ttl: r.proxied ? r.ttl : ttl });
    else posts.push(value);
  }
  const foreign = reusable.filter((r) => !isOwned(r));
  if (foreign.length > 0) {
    throw new ProviderError(
      'conflict',
      `${name} ${type} has ${foreign.length} more record${foreign.length === 1 ? '' : 's'} (${foreign.map((r) => r.content).join(', ')}) not created by dnsfail ` +
        `(comment not starting with "${OWNER_COMMENT}"); dnsfail never deletes those: remove ${foreign.length === 1 ? 'it' : 'them'} in Cloudflare or mark ${foreign.length === 1 ? 'it' : 'them'} with that comment`,
    );
  }
  return { deletes: reusable.map((r) => r.id), patches, posts };
}
