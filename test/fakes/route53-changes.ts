import { isIPv4, isIPv6 } from 'node:net';
import { child, children, parseXml, textOf, type XmlElement } from '../../providers/route53/xml.js';
import { ApiFailure } from './route53-sigv4.js';

/** The fake Route 53's zones and its change batches: Route 53's rules for ChangeResourceRecordSets. */

export interface FakeRrset {
  /** Lower case, fully qualified with the trailing dot, `*` unescaped. */
  name: string;
  type: string;
  ttl?: number;
  values: string[];
  setIdentifier?: string;
  aliasTarget?: string;
}

export interface FakeZone {
  id: string;
  name: string;
  privateZone: boolean;
  rrsets: FakeRrset[];
}

/** An InvalidChangeBatch answer, with Route 53's messages. */
export class InvalidChangeBatch extends Error {
  constructor(readonly messages: string[]) {
    super(messages.join('; '));
  }
}

/** ChangeResourceRecordSets quotas per request (Route 53 developer guide, "Quotas"). */
const CHANGE_LIMITS = { records: 1000, valueChars: 32_000 };
export const fqdn = (n: string) => (n.endsWith('.') ? n : `${n}.`).toLowerCase();
export const escapeName = (name: string) => name.replace(/\*/g, '\\052');
export const unescapeName = (name: string) => name.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
const rrsetLabel = (r: { name: string; type: string }) => `[name='${escapeName(r.name)}', type='${r.type}']`;

function parseChange(zone: FakeZone, c: XmlElement, types: Set<string>): { action: string; rrset: FakeRrset } {
  const action = textOf(c, 'Action');
  const set = child(c, 'ResourceRecordSet');
  const rawName = textOf(set, 'Name');
  const type = textOf(set, 'Type');
  const ttlText = textOf(set, 'TTL');
  if (!action || !['CREATE', 'DELETE', 'UPSERT'].includes(action) || !set || !rawName || !type) {
    throw new ApiFailure(400, 'InvalidInput', 'Invalid XML: each Change needs Action (CREATE|DELETE|UPSERT) and a ResourceRecordSet with Name and Type.');
  }
  if (!types.has(type)) throw new ApiFailure(400, 'InvalidInput', `Invalid XML ; Value '${type}' is not a valid RRType.`);
  const name = fqdn(unescapeName(rawName));
  if (name !== zone.name && !name.endsWith(`.${zone.name}`)) throw new InvalidChangeBatch([`RRSet with DNS name ${name} is not permitted in zone ${zone.name}`]);
  if (ttlText === undefined || !/^\d+$/.test(ttlText) || Number(ttlText) > 2147483647) throw new InvalidChangeBatch([`Invalid request: Missing field 'TTL' in Change with [Action=${action}, Name=${name}, Type=${type}, SetIdentifier=null]`]);
  const values = children(child(set, 'ResourceRecords'), 'ResourceRecord').map((r) => textOf(r, 'Value') ?? '');
  if (values.length === 0) throw new InvalidChangeBatch([`Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=${action}, Name=${name}, Type=${type}, SetIdentifier=null]`]);
  for (const v of values) {
    if (type === 'A' && !isIPv4(v)) throw new InvalidChangeBatch([`[Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '${v}'']`]);
    if (type === 'TXT' && !/^"(?:[^"\\]|\\.)*"(?:\s+"(?:[^"\\]|\\.)*")*$/.test(v)) throw new InvalidChangeBatch([`[Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with '${v}'']`]);
    if (type === 'AAAA' && !isIPv6(v)) throw new InvalidChangeBatch([`[Invalid Resource Record: 'FATAL problem: AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address) encountered with '${v}'']`]);
  }
  if (new Set(values).size !== values.length) throw new InvalidChangeBatch([`[Invalid Resource Record: 'FATAL problem: DuplicateRecord (Record is a duplicate of another record) encountered with '${values[0]}'']`]);
  return { action, rrset: { name, type, ttl: Number(ttlText), values } };
}

/** Applies a ChangeResourceRecordSetsRequest document to the zone, all or nothing; throws Route 53's errors. */
export function applyChangeBatch(zone: FakeZone, raw: string, types: Set<string>, xmlns: string): { changes: number; comment?: string } {
  let root: XmlElement;
  try {
    root = parseXml(raw);
  } catch (e) {
    throw new ApiFailure(400, 'InvalidInput', `Invalid XML ; ${(e as Error).message}`);
  }
  const list = children(child(child(root, 'ChangeBatch'), 'Changes'), 'Change');
  if (root.name !== 'ChangeResourceRecordSetsRequest' || root.attrs.xmlns !== xmlns || list.length === 0) {
    throw new ApiFailure(400, 'InvalidInput', 'Invalid XML: expected ChangeResourceRecordSetsRequest > ChangeBatch > Changes > Change in the 2013-04-01 namespace.');
  }
  // Per-request quotas: 1,000 ResourceRecord elements and 32,000 characters in all Value elements, UPSERTs counting twice.
  let records = 0;
  let chars = 0;
  for (const c of list) {
    const weight = textOf(c, 'Action') === 'UPSERT' ? 2 : 1;
    for (const r of children(child(child(c, 'ResourceRecordSet'), 'ResourceRecords'), 'ResourceRecord')) {
      records += weight;
      chars += (textOf(r, 'Value') ?? '').length * weight;
    }
  }
  if (records > CHANGE_LIMITS.records) throw new InvalidChangeBatch([`Number of records limit of ${CHANGE_LIMITS.records} exceeded.`]);
  if (chars > CHANGE_LIMITS.valueChars) throw new InvalidChangeBatch([`Number of characters limit of ${CHANGE_LIMITS.valueChars} exceeded.`]);
  // All or nothing: apply to a copy, keep it only when every change is valid.
  const next = zone.rrsets.map((r) => ({ ...r, values: [...r.values] }));
  const problems: string[] = [];
  for (const c of list) {
    const { action, rrset } = parseChange(zone, c, types);
    const at = next.findIndex((r) => r.name === rrset.name && r.type === rrset.type && r.setIdentifier === undefined);
    const current = at === -1 ? undefined : next[at]!;
    if (action === 'CREATE') {
      if (current) problems.push(`Tried to create resource record set ${rrsetLabel(rrset)} but it already exists`);
      else next.push(rrset);
    } else if (action === 'DELETE') {
      if (!current) problems.push(`Tried to delete resource record set ${rrsetLabel(rrset)} but it was not found`);
      else if (current.ttl !== rrset.ttl || current.values.length !== rrset.values.length || !rrset.values.every((v) => current.values.includes(v))) {
        problems.push(`Tried to delete resource record set ${rrsetLabel(rrset)} but the values provided do not match the current values`);
      } else next.splice(at, 1);
    } else if (current) next[at] = rrset;
    else next.push(rrset);
  }
  if (problems.length) throw new InvalidChangeBatch(problems);
  zone.rrsets = next;
  return { changes: list.length, comment: textOf(child(root, 'ChangeBatch'), 'Comment') };
}
