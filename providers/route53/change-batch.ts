import { escapeXml, XMLNS } from './xml.js';
import { toFqdn } from './parse.js';

/** The ChangeResourceRecordSets request: its document, and how changes are packed into requests. */

/** ChangeResourceRecordSets limits per request (Route 53 quotas): ResourceRecord elements and characters in all Value elements. */
export const CHANGE_BATCH_LIMITS = { records: 1000, valueChars: 32_000 };

/**
 * Splits groups of changes (one group per record: its DELETE and CREATE must stay together, or the
 * compare-and-set is lost) into as few requests as the limits allow, in order. Returns group indices.
 */
export function packChangeGroups(groups: Change[][], limits = CHANGE_BATCH_LIMITS): number[][] {
  const batches: number[][] = [];
  let records = 0;
  let chars = 0;
  groups.forEach((group, i) => {
    const r = group.reduce((n, c) => n + c.values.length * (c.action === 'UPSERT' ? 2 : 1), 0);
    const ch = group.reduce((n, c) => n + c.values.reduce((m, v) => m + v.length, 0) * (c.action === 'UPSERT' ? 2 : 1), 0);
    const last = batches.at(-1);
    if (last && records + r <= limits.records && chars + ch <= limits.valueChars) {
      last.push(i);
      records += r;
      chars += ch;
    } else {
      batches.push([i]);
      records = r;
      chars = ch;
    }
  });
  return batches;
}

export interface Change {
  action: 'CREATE' | 'DELETE' | 'UPSERT';
  name: string;
  type: string;
  ttl: number;
  values: string[];
}

/** A ChangeResourceRecordSetsRequest document. */
export function changeBatchXml(changes: Change[], comment?: string): string {
  const change = (c: Change) =>
    `<Change><Action>${c.action}</Action><ResourceRecordSet><Name>${escapeXml(toFqdn(c.name))}</Name><Type>${escapeXml(c.type)}</Type><TTL>${c.ttl}</TTL>` +
    `<ResourceRecords>${c.values.map((v) => `<ResourceRecord><Value>${escapeXml(v)}</Value></ResourceRecord>`).join('')}</ResourceRecords></ResourceRecordSet></Change>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ChangeResourceRecordSetsRequest xmlns="${XMLNS}"><ChangeBatch>` +
    (comment ? `<Comment>${escapeXml(comment)}</Comment>` : '') +
    `<Changes>${changes.map(change).join('')}</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`
  );
}
