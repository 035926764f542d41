import dnsPacket from 'dns-packet';
import { bareName } from '../kit/records.js';
import type { RecordType } from '../kit/types.js';

/** DNS wire constants used here (RFC 1035, RFC 2136, RFC 8945). */
export const TYPE = { A: 1, CNAME: 5, SOA: 6, TXT: 16, AAAA: 28, TSIG: 250, ANY: 255 } as const;
export const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
export const OPCODE = { QUERY: 0, UPDATE: 5 } as const;
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
} as const;

const HEADER_BYTES = 12;
const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/** Uncompressed wire form of a domain name, lower case (RFC 8945's canonical form for TSIG). */
export function encodeName(name: string): Buffer {
  const trimmed = bareName(name);
  const labels = trimmed === '' ? [] : trimmed.split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length === 0 || bytes.length > 63) throw new WireError(`bad label in ${JSON.stringify(name)}`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > 255) throw new WireError(`name too long: ${name}`);
  return out;
}

/** One resource record with explicit class and raw rdata: what dns-packet cannot write (class NONE, empty rdata). */
export function encodeRr(name: string, type: number, klass: number, ttl: number, rdata: Buffer = Buffer.alloc(0)): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(klass, 2);
  fixed.writeUInt32BE(ttl, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeName(name), fixed, rdata]);
}

/** Class IN records with data (an address, or a TXT record of one character-string), encoded by dns-packet (it never compresses, so they can be concatenated). */
function encodeValueRrs(name: string, type: RecordType, ttl: number, values: readonly string[]): Buffer {
  if (values.length === 0) return Buffer.alloc(0);
  const answers = values.map((data) => (type === 'TXT' ? { name, type, class: 'IN' as const, ttl, data: [data] } : { name, type, class: 'IN' as const, ttl, data }));
  return dnsPacket.encode({ answers }).subarray(HEADER_BYTES);
}

function header(id: number, opcode: number, counts: [number, number, number, number]): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(opcode << 11, 2);
  counts.forEach((c, i) => h.writeUInt16BE(c, 4 + 2 * i));
  return h;
}

export interface UpdateSpec {
  id: number;
  zone: string;
  name: string;
  type: RecordType;
  /** The rrset as read: its values become "rrset exists (value dependent)" prerequisites; null: "rrset does not exist". */
  previous: readonly string[] | null;
  values: readonly string[];
  ttl: number;
}

/**
 * An RFC 2136 UPDATE that succeeds only if the rrset is still exactly `previous` and the name has no
 * CNAME (adding an A next to a CNAME is silently ignored by servers), then replaces the rrset.
 */
export function encodeUpdate(spec: UpdateSpec): Buffer {
  const type = TYPE[spec.type];
  const prereqs: Buffer[] = [encodeRr(spec.name, TYPE.CNAME, CLASS.NONE, 0)];
  if (spec.previous && spec.previous.length > 0) prereqs.push(encodeValueRrs(spec.name, spec.type, 0, spec.previous));
  else prereqs.push(encodeRr(spec.name, type, CLASS.NONE, 0));
  const prereqCount = 1 + (spec.previous && spec.previous.length > 0 ? spec.previous.length : 1);
  const updates = [encodeRr(spec.name, type, CLASS.ANY, 0), encodeValueRrs(spec.name, spec.type, spec.ttl, spec.values)];
  const zoneSection = Buffer.concat([encodeName(spec.zone), u16(TYPE.SOA), u16(CLASS.IN)]);
  return Buffer.concat([header(spec.id, OPCODE.UPDATE, [1, prereqCount, 1 + spec.values.length, 0]), zoneSection, ...prereqs, ...updates]);
}

/** A plain non-recursive query. */
export function encodeQuery(id: number, name: string, type: RecordType): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: 0, questions: [{ name, type, class: 'IN' }] });
}

export interface RawRecord {
  name: string;
  type: number;
  klass: number;
  ttl: number;
  rdata: Buffer;
  /** Offset of the record's first byte in the message. */
  start: number;
  /** A CNAME's target, lower case (its rdata may point into the rest of the message). */
  target?: string;
}

export interface RawMessage {
  id: number;
  isResponse: boolean;
  opcode: number;
  rcode: number;
  authoritative: boolean;
  truncated: boolean;
  questions: { name: string; type: number; klass: number }[];
  answers: RawRecord[];
  authorities: RawRecord[];
  additionals: RawRecord[];
}

/** Reads a whole message, following name compression; rdata stays raw. Throws WireError when malformed. */
export function parseMessage(buf: Buffer): RawMessage {
  if (buf.length < HEADER_BYTES) throw new WireError(`message of ${buf.length} bytes is shorter than a header`);
  const flags = buf.readUInt16BE(2);
  const counts = [4, 6, 8, 10].map((o) => buf.readUInt16BE(o)) as [number, number, number, number];
  let offset = HEADER_BYTES;
  const questions: RawMessage['questions'] = [];
  for (let i = 0; i < counts[0]; i++) {
    const { name, next } = readName(buf, offset);
    need(buf, next + 4);
    questions.push({ name, type: buf.readUInt16BE(next), klass: buf.readUInt16BE(next + 2) });
    offset = next + 4;
  }
  const section = (count: number): RawRecord[] => {
    const out: RawRecord[] = [];
    for (let i = 0; i < count; i++) {
      const start = offset;
      const { name, next } = readName(buf, offset);
      need(buf, next + 10);
      const rdlength = buf.readUInt16BE(next + 8);
      need(buf, next + 10 + rdlength);
      const type = buf.readUInt16BE(next);
      out.push({
        name,
        type,
        klass: buf.readUInt16BE(next + 2),
        ttl: buf.readUInt32BE(next + 4),
        rdata: buf.subarray(next + 10, next + 10 + rdlength),
        start,
        ...(type === TYPE.CNAME ? { target: readName(buf, next + 10).name } : {}),
      });
      offset = next + 10 + rdlength;
    }
    return out;
  };
  const answers = section(counts[1]);
  const authorities = section(counts[2]);
  const additionals = section(counts[3]);
  return {
    id: buf.readUInt16BE(0),
    isResponse: (flags & FLAG_QR) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    authoritative: (flags & FLAG_AA) !== 0,
    truncated: (flags & FLAG_TC) !== 0,
    questions,
    answers,
    authorities,
    additionals,
  };
}

/** A (possibly compressed) name at `offset`: its lower-case text and the offset just after it. */
export function readName(buf: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let next = -1;
  let at = offset;
  for (let jumps = 0; ; ) {
    need(buf, at + 1);
    const len = buf[at]!;
    if (len === 0) {
      if (next < 0) next = at + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      need(buf, at + 2);
      if (next < 0) next = at + 2;
      if (++jumps > 64) throw new WireError('name compression loop');
      at = buf.readUInt16BE(at) & 0x3fff;
      continue;
    }
    if (len > 63) throw new WireError(`bad label length ${len}`);
    need(buf, at + 1 + len);
    labels.push(buf.toString('latin1', at + 1, at + 1 + len).toLowerCase());
    at += 1 + len;
  }
  return { name: labels.join('.'), next };
}

/** Values (canonical text; a TXT record's character-strings joined) and TTL of the records of `type` owned by `name` in the answer section. */
export function valuesIn(msg: RawMessage, name: string, type: RecordType): { values: string[]; ttl: number } | null {
  const want = name.toLowerCase();
  const rrs = msg.answers.filter((rr) => rr.name === want && rr.type === TYPE[type] && rr.klass === CLASS.IN);
  if (rrs.length === 0) return null;
  return { values: rrs.map((rr) => (type === 'TXT' ? txtText(rr.rdata) : addressText(rr.rdata, type))), ttl: Math.min(...rrs.map((rr) => rr.ttl)) };
}

/** The target of the CNAME that `name` holds in the answer section, or undefined. */
export function cnameOf(msg: RawMessage, name: string): string | undefined {
  return msg.answers.find((rr) => rr.name === name.toLowerCase() && rr.type === TYPE.CNAME)?.target;
}

/**
 * An UPDATE that can change nothing: its one prerequisite ("name is in use", RFC 2136 2.4.4) is
 * about `probeName`, a random name that does not exist, and its update section is empty. A server
 * that accepts the key answers NXDOMAIN (prerequisite not met); one that does not, REFUSED or
 * NOTAUTH with a TSIG error.
 */
export function encodeCheckUpdate(id: number, zone: string, probeName: string): Buffer {
  const zoneSection = Buffer.concat([encodeName(zone), u16(TYPE.SOA), u16(CLASS.IN)]);
  return Buffer.concat([header(id, OPCODE.UPDATE, [1, 1, 0, 0]), zoneSection, encodeRr(probeName, TYPE.ANY, CLASS.ANY, 0)]);
}

/** TXT rdata: character-strings (a length byte, then that many bytes), joined. */
function txtText(rdata: Buffer): string {
  let text = '';
  for (let at = 0; at < rdata.length; ) {
    const len = rdata[at]!;
    if (at + 1 + len > rdata.length) throw new WireError('TXT record whose character-string runs past its data');
    text += rdata.toString('latin1', at + 1, at + 1 + len);
    at += 1 + len;
  }
  return text;
}

function addressText(rdata: Buffer, type: 'A' | 'AAAA'): string {
  const want = type === 'A' ? 4 : 16;
  if (rdata.length !== want) throw new WireError(`${type} record with ${rdata.length} bytes of data`);
  if (type === 'A') return [...rdata].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(rdata.readUInt16BE(i).toString(16));
  // Node's URL parser gives the RFC 5952 spelling (zero compression, lower case).
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
}

function need(buf: Buffer, end: number): void {
  if (end > buf.length) throw new WireError('message ends early');
}

export const isTruncated = (buf: Buffer): boolean => buf.length >= 4 && (buf.readUInt16BE(2) & FLAG_TC) !== 0;
