import { createHmac, timingSafeEqual } from 'node:crypto';
import { bareName } from '../kit/records.js';
import { CLASS, encodeName, parseMessage, readName, TYPE, u16, type RawMessage, type RawRecord } from './wire.js';

/** TSIG (RFC 8945) with HMAC-SHA256/512: sign a request, verify the server's answer to it. */

export type TsigAlgorithm = 'hmac-sha256' | 'hmac-sha512';

export interface TsigKey {
  name: string;
  algorithm: TsigAlgorithm;
  secret: Buffer;
}

/** Seconds of clock difference tolerated, as nsupdate and BIND use. */
export const FUDGE = 300;

export const TSIG_ERRORS: Record<number, string> = { 16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC' };

const HASH: Record<TsigAlgorithm, string> = { 'hmac-sha256': 'sha256', 'hmac-sha512': 'sha512' };

interface TsigFields {
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
}

/** RFC 8945 4.3.3: the TSIG variables that follow the message in the MAC input. */
function variables(keyName: string, f: Omit<TsigFields, 'mac' | 'originalId'>): Buffer {
  return Buffer.concat([encodeName(keyName), u16(CLASS.ANY), Buffer.alloc(4), encodeName(f.algorithm), u48(f.timeSigned), u16(f.fudge), u16(f.error), u16(f.other.length), f.other]);
}

function hmac(key: TsigKey, ...parts: Buffer[]): Buffer {
  const h = createHmac(HASH[key.algorithm], key.secret);
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * Appends a TSIG record to an unsigned message (ARCOUNT + 1). The MAC covers the message as given
 * (its ID is the original ID) and the TSIG variables. `timeSigned` is in seconds since the epoch.
 */
export function signMessage(message: Buffer, key: TsigKey, timeSigned: number, fudge = FUDGE): { message: Buffer; mac: Buffer } {
  const fields = { algorithm: key.algorithm, timeSigned, fudge, error: 0, other: Buffer.alloc(0) };
  const mac = hmac(key, message, variables(key.name, fields));
  const rdata = Buffer.concat([encodeName(key.algorithm), u48(timeSigned), u16(fudge), u16(mac.length), mac, message.subarray(0, 2), u16(0), u16(0)]);
  const tsig = Buffer.concat([encodeName(key.name), u16(TYPE.TSIG), u16(CLASS.ANY), Buffer.alloc(4), u16(rdata.length), rdata]);
  const signed = Buffer.concat([message, tsig]);
  signed.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { message: signed, mac };
}

export type TsigCheck =
  /** The answer carries a valid MAC from our key over the request's MAC and the answer. */
  | { status: 'verified' }
  /** No TSIG record in the answer. */
  | { status: 'unsigned' }
  /** The server could not accept our signature and says why (BADSIG, BADKEY, BADTIME…). */
  | { status: 'tsig-error'; error: number; errorName: string }
  /** A TSIG record that does not verify: wrong key or algorithm, MAC mismatch, or clock too far off. */
  | { status: 'invalid'; reason: string };

/**
 * Checks the TSIG record of a response to a request signed with `requestMac` (RFC 8945 5.3):
 * MAC over the request MAC (length-prefixed), the response without its TSIG record (ARCOUNT - 1,
 * original ID), and the TSIG variables. `now` is in seconds since the epoch.
 */
export function verifyResponse(response: Buffer, key: TsigKey, requestMac: Buffer, now: number, parsed: RawMessage = parseMessage(response)): TsigCheck {
  const last = parsed.additionals.at(-1);
  if (!last || last.type !== TYPE.TSIG) return { status: 'unsigned' };
  let f: TsigFields;
  try {
    f = readTsigFields(last);
  } catch {
    return { status: 'invalid', reason: 'malformed TSIG record' };
  }
  if (f.error !== 0) return { status: 'tsig-error', error: f.error, errorName: TSIG_ERRORS[f.error] ?? `TSIG error ${f.error}` };
  if (last.name !== bareName(key.name)) return { status: 'invalid', reason: `signed with another key (${last.name})` };
  if (f.algorithm !== key.algorithm) return { status: 'invalid', reason: `signed with another algorithm (${f.algorithm})` };
  const unsigned = Buffer.from(response.subarray(0, last.start));
  unsigned.writeUInt16BE(f.originalId, 0);
  unsigned.writeUInt16BE(parsed.additionals.length - 1, 10);
  const expected = hmac(key, u16(requestMac.length), requestMac, unsigned, variables(last.name, f));
  if (f.mac.length !== expected.length || !timingSafeEqual(f.mac, expected)) return { status: 'invalid', reason: 'the MAC does not match' };
  if (Math.abs(now - f.timeSigned) > f.fudge) return { status: 'invalid', reason: `signed at ${f.timeSigned}, ${Math.round(now - f.timeSigned)} s from our clock (fudge ${f.fudge} s)` };
  return { status: 'verified' };
}

function readTsigFields(rr: RawRecord): TsigFields {
  const d = rr.rdata;
  const { name: algorithm, next } = readName(d, 0);
  let o = next;
  const timeSigned = d.readUIntBE(o, 6);
  const fudge = d.readUInt16BE(o + 6);
  const macSize = d.readUInt16BE(o + 8);
  o += 10;
  const mac = d.subarray(o, o + macSize);
  o += macSize;
  const originalId = d.readUInt16BE(o);
  const error = d.readUInt16BE(o + 2);
  const otherLen = d.readUInt16BE(o + 4);
  const other = d.subarray(o + 6, o + 6 + otherLen);
  if (other.length !== otherLen || mac.length !== macSize) throw new RangeError('TSIG record ends early');
  return { algorithm, timeSigned, fudge, mac, originalId, error, other };
}

function u48(n: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(n, 0, 6);
  return b;
}
