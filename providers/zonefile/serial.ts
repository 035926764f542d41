/** SOA serial arithmetic (RFC 1982) and the in-place serial bump. Pure: the clock is passed in. */
import { findApexSoa, ZoneTextError } from './zone-text.js';

export const SERIAL_SPACE = 2 ** 32;
const HALF_SPACE = 2 ** 31;

/** RFC 1982: is `a` newer than `b`? (Values exactly half the space apart are incomparable: false.) */
export function serialGreaterThan(a: number, b: number): boolean {
  const diff = (a - b + SERIAL_SPACE) % SERIAL_SPACE;
  return diff !== 0 && diff < HALF_SPACE;
}

/** YYYYMMDDnn of a real calendar date (UTC), e.g. 2024022901. */
export function isDateSerial(serial: number): boolean {
  if (!Number.isInteger(serial) || serial < 1970010100 || serial >= SERIAL_SPACE) return false;
  const day = Math.floor(serial / 100);
  const y = Math.floor(day / 10000);
  const m = Math.floor(day / 100) % 100;
  const d = day % 100;
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Today's first date serial, YYYYMMDD00, in UTC. */
export function dateSerial(now: Date): number {
  return (now.getUTCFullYear() * 10000 + (now.getUTCMonth() + 1) * 100 + now.getUTCDate()) * 100;
}

/**
 * The serial to write after `current`: date serials move to today (or +1 when already there or
 * ahead), anything else is +1. Always newer than `current` in serial arithmetic, wrapping at 2^32.
 */
export function nextSerial(current: number, now: Date): number {
  if (!Number.isInteger(current) || current < 0 || current >= SERIAL_SPACE) {
    throw new RangeError('SOA serial must be an integer from 0 to 4294967295');
  }
  const plusOne = (current + 1) % SERIAL_SPACE;
  if (!isDateSerial(current)) return plusOne;
  const today = dateSerial(now);
  return serialGreaterThan(today, current) ? today : plusOne;
}

export interface SerialBump {
  text: string;
  previous: number;
  serial: number;
}

/** Replace the apex SOA's serial token with the next serial; every other character stays. */
export function bumpSoaSerial(text: string, origin: string, now: Date): SerialBump {
  const soa = findApexSoa(text, origin);
  if (!soa) throw new ZoneTextError(`no SOA record at the zone apex ${origin}`);
  const token = soa.rdata[2];
  if (!token || token.quoted || !/^\d{1,10}$/.test(token.text) || Number(token.text) >= SERIAL_SPACE) {
    throw new ZoneTextError('SOA serial is missing or not a number from 0 to 4294967295', soa.startLine);
  }
  const previous = Number(token.text);
  const serial = nextSerial(previous, now);
  return { text: `${text.slice(0, token.start)}${serial}${text.slice(token.end)}`, previous, serial };
}
