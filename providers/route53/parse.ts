import { bareName } from '../kit/records.js';
import { child, children, parseXml, textOf, XmlError, type XmlElement } from './xml.js';

/** Pure reading of the Route 53 answers dnsfail uses (XML read by xml.ts), and Route 53's name forms. */

/**
 * A name as Route 53 returns it → dnsfail's form: lower case, no trailing dot, `\DDD` octal escapes
 * decoded (Route 53 lists `*.example.com` as `\052.example.com.`).
 */
export function decodeRoute53Name(name: string): string {
  return bareName(name.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
}

/** dnsfail's name → the fully qualified form Route 53 expects in requests. */
export const toFqdn = (name: string) => (name.endsWith('.') ? name : `${name}.`);

export interface Rrset {
  /** As Route 53 spelt it (escapes and trailing dot kept), for sending back in a DELETE. */
  rawName: string;
  /** decodeRoute53Name(rawName). */
  name: string;
  type: string;
  ttl?: number;
  values: string[];
  /** Weighted, latency, failover … records carry one; dnsfail manages only simple records. */
  setIdentifier?: string;
  /** An alias record points at an AWS resource and has no values. */
  alias?: boolean;
}

export interface RrsetPage {
  rrsets: Rrset[];
  isTruncated: boolean;
  nextRecordName?: string;
  nextRecordType?: string;
}

function expectRoot(doc: string, name: string): XmlElement {
  const root = parseXml(doc);
  if (root.name !== name) throw new XmlError(`expected <${name}>, got <${root.name}>`);
  return root;
}

export function parseRrsetElement(el: XmlElement): Rrset {
  const rawName = textOf(el, 'Name') ?? '';
  const ttlText = textOf(el, 'TTL');
  const setIdentifier = textOf(el, 'SetIdentifier');
  return {
    rawName,
    name: decodeRoute53Name(rawName),
    type: textOf(el, 'Type') ?? '',
    ...(ttlText !== undefined ? { ttl: Number(ttlText) } : {}),
    values: children(child(el, 'ResourceRecords'), 'ResourceRecord').map((r) => textOf(r, 'Value') ?? ''),
    ...(setIdentifier !== undefined ? { setIdentifier } : {}),
    ...(child(el, 'AliasTarget') ? { alias: true } : {}),
  };
}

/** ListResourceRecordSetsResponse. */
export function parseRrsetPage(doc: string): RrsetPage {
  const root = expectRoot(doc, 'ListResourceRecordSetsResponse');
  const nextRecordName = textOf(root, 'NextRecordName');
  const nextRecordType = textOf(root, 'NextRecordType');
  return {
    rrsets: children(child(root, 'ResourceRecordSets'), 'ResourceRecordSet').map(parseRrsetElement),
    isTruncated: textOf(root, 'IsTruncated') === 'true',
    ...(nextRecordName !== undefined ? { nextRecordName } : {}),
    ...(nextRecordType !== undefined ? { nextRecordType } : {}),
  };
}

export interface ChangeInfo {
  /** Bare id (C2682N5HXP0BZ4), the `/change/` prefix removed. */
  id: string;
  status: 'PENDING' | 'INSYNC' | string;
}

/** ChangeResourceRecordSetsResponse or GetChangeResponse. */
export function parseChangeInfo(doc: string): ChangeInfo {
  const root = parseXml(doc);
  if (root.name !== 'ChangeResourceRecordSetsResponse' && root.name !== 'GetChangeResponse') throw new XmlError(`expected a ChangeInfo response, got <${root.name}>`);
  const info = child(root, 'ChangeInfo');
  const id = textOf(info, 'Id');
  const status = textOf(info, 'Status');
  if (!id || !status) throw new XmlError('ChangeInfo without Id or Status');
  return { id: id.replace(/^\/change\//, ''), status };
}

export interface HostedZone {
  /** Bare id (Z0123456789), the `/hostedzone/` prefix removed. */
  id: string;
  name: string;
  privateZone: boolean;
}

export interface HostedZonePage {
  zones: HostedZone[];
  isTruncated: boolean;
}

/** ListHostedZonesByNameResponse. */
export function parseHostedZonesByName(doc: string): HostedZonePage {
  const root = expectRoot(doc, 'ListHostedZonesByNameResponse');
  return {
    zones: children(child(root, 'HostedZones'), 'HostedZone').map((z) => ({
      id: (textOf(z, 'Id') ?? '').replace(/^\/hostedzone\//, ''),
      name: decodeRoute53Name(textOf(z, 'Name') ?? ''),
      privateZone: textOf(child(z, 'Config'), 'PrivateZone') === 'true',
    })),
    isTruncated: textOf(root, 'IsTruncated') === 'true',
  };
}

/**
 * Route 53's listing order: names compared with their labels reversed (`com.example.www.`), then types.
 * readMany relies on it to know which wanted rrsets a page has passed.
 */
export function compareListingOrder(a: { name: string; type: string }, b: { name: string; type: string }): number {
  const key = (n: string) => `${bareName(n).split('.').reverse().join('.')}.`;
  const ka = key(a.name);
  const kb = key(b.name);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
}
