import { ProviderError } from '../kit/errors.js';
import { asError, bareName, throwIfOneFailure } from '../kit/records.js';
import type { CurrentRecord, RecordRef } from '../kit/types.js';
import { txtOfPresentation } from '../kit/txt.js';
import type { Route53Api } from './api.js';
import { compareListingOrder, toFqdn, type Rrset } from './parse.js';

const MAX_LIST_ITEMS = 300;

/** What reading and writing share: the client, the hosted zone (looked up once) and the name check. */
export interface HostedZoneAccess {
  api: Route53Api;
  hostedZoneId(): Promise<string>;
  /** The ref's name in dnsfail's form, inside the zone; a fatal error otherwise. */
  checkName(ref: RecordRef): string;
}

export type ReadResult = CurrentRecord | null | Error;

/**
 * ListResourceRecordSets starts at the first rrset at or after (name, type) and goes on in its
 * order. So: sort the wanted rrsets that way, list from the first one not yet settled (300 per page,
 * or 1 for a single record), settle every wanted rrset the page covers, and jump to the next one.
 * Requests: at most one per wanted rrset, and about one per 300 rrsets of the zone between them.
 */
export function createReadMany({ api, hostedZoneId, checkName }: HostedZoneAccess): (refs: RecordRef[]) => Promise<ReadResult[]> {
  return async (refs) => {
    const out: ReadResult[] = refs.map(() => null);
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
}

/** The rrset as read, or an error for this ref (alias, routing policy). */
function toCurrent(ref: RecordRef, name: string, listed: Rrset[]): ReadResult {
  const found = listed.filter((r) => r.name === name && r.type === ref.type);
  const first = found[0];
  // A CNAME sorts after A and AAAA in the listing order, so a listing from (name, A or AAAA) shows it.
  const cname = listed.find((r) => r.name === name && r.type === 'CNAME' && !r.alias && r.values[0]);
  if (!first && cname) return { values: [], cname: bareName(cname.values[0]!) };
  if (!first) return null;
  if (first.alias) return new ProviderError('fatal', `${name} ${ref.type} is an alias record in Route 53; dnsfail manages only plain records (delete the alias or use another name)`);
  if (first.setIdentifier !== undefined) {
    return new ProviderError('fatal', `${name} ${ref.type} has a routing policy in Route 53 (SetIdentifier ${JSON.stringify(first.setIdentifier)}); dnsfail manages only simple records`);
  }
  const values = ref.type === 'TXT' ? first.values.map(txtOfPresentation) : first.values;
  return { values, ...(first.ttl !== undefined ? { ttl: first.ttl } : {}) };
}
