import { ipFamily } from './ip.js';

const LABEL = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$/;

/** Lower case, no trailing dot; null when it is not a valid fully qualified host name. */
export function normalizeDnsName(text: string): string | null {
  const name = text.trim().toLowerCase().replace(/\.$/, '');
  if (name.length === 0 || name.length > 253) return null;
  const labels = name.split('.');
  if (labels.length < 2) return null;
  return labels.every((l) => LABEL.test(l)) ? name : null;
}

/** True when `name` is `zone` or below it. */
export function isInZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** A name an http check may send as Host and SNI: one or more labels (a trailing dot allowed), or an IP literal. */
export function isHostName(text: string): boolean {
  if (ipFamily(text) !== null) return true;
  const name = text.toLowerCase().replace(/\.$/, '');
  return name.length > 0 && name.length <= 253 && name.split('.').every((l) => LABEL.test(l));
}

/** `a.b.example.com` → [`a.b.example.com`, `b.example.com`, `example.com`]: where its zone may start. */
export function zoneCandidates(name: string): string[] {
  const labels = name.split('.');
  const out: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) out.push(labels.slice(i).join('.'));
  return out;
}

/** The record's name relative to its zone: "" for the apex, else the labels before the zone. */
export function relativeName(name: string, zone: string): string {
  return name === zone ? '' : name.slice(0, -(zone.length + 1));
}
