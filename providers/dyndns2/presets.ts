/** Known DynDNS2 services: where they listen and how they bend the protocol. */
export interface Dyndns2Preset {
  /** Base URL; `/nic/update` is appended. */
  baseUrl: string;
  /** A username the service fixes (dynv6 `none`, DuckDNS `nouser`); the config then gives none. */
  fixedUsername?: string;
  /** Hurricane Electric: the username is the hostname being updated (the password is that record's key). */
  usernameIsHostname?: boolean;
  /** DuckDNS: only the label in front of this domain is sent as the hostname. */
  labelOf?: string;
  /** Extra query parameters sent with every update. */
  extraParams?: Record<string, string>;
  /** The query parameter an IPv6 address goes in (INWX: `myipv6`; with only `myip` INWX sets A and drops the AAAA). */
  ipv6Param?: string;
  /** A whole answer line that also means success (ChangeIP: `200 Successful Update`). */
  successLine?: RegExp;
  /** How long `911` asks us to stay away; the protocol's default is 10 minutes. */
  outageBackoffMs?: number;
}

export const PRESET_NAMES = ['noip', 'dyn', 'dynv6', 'he', 'ovh', 'changeip', 'duckdns', 'inwx', 'strato'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const PRESETS: Record<PresetName, Dyndns2Preset> = {
  noip: { baseUrl: 'https://dynupdate.no-ip.com', outageBackoffMs: 30 * 60_000 },
  dyn: { baseUrl: 'https://members.dyndns.org' },
  dynv6: { baseUrl: 'https://dynv6.com', fixedUsername: 'none' },
  he: { baseUrl: 'https://dyn.dns.he.net', usernameIsHostname: true },
  ovh: { baseUrl: 'https://www.ovh.com', extraParams: { system: 'dyndns' } },
  changeip: { baseUrl: 'https://nic.changeip.com', successLine: /^200 Successful Update$/i },
  duckdns: { baseUrl: 'https://www.duckdns.org', fixedUsername: 'nouser', labelOf: 'duckdns.org' },
  inwx: { baseUrl: 'https://dyndns.inwx.com', ipv6Param: 'myipv6' },
  strato: { baseUrl: 'https://dyndns.strato.com' },
};

/** A server given by URL: the plain protocol, no quirks. */
export const GENERIC: Dyndns2Preset = { baseUrl: '' };
