import type { ZodMiniType } from 'zod/mini';

/** The types of a managed record. */
export type AddressType = 'A' | 'AAAA';
/** AAAA and A, and TXT for the votes several checkers share (capability `txt`). */
export type RecordType = AddressType | 'TXT';

/** What a provider can do, declared up front so `validate` can refuse a config before any network call. */
export interface Capabilities {
  /** Can read the record's current value (DynDNS2 cannot). */
  read: boolean;
  /** Can hold several addresses in one rrset (needed by strategy "all"). */
  multiValue: boolean;
  /** Can manage AAAA records. */
  aaaa: boolean;
  /** Honours the configured TTL. */
  ttl: boolean;
  /** A write fails, rather than overwrites, when the record changed since it was read. */
  compareAndSet: boolean;
  /** Writes many records in one call (writeMany): calls grow with zones, not records. */
  batch: boolean;
  /**
   * Reads and writes TXT records (RecordRef type "TXT"; each value one character-string of printable
   * ASCII), which is where several checkers keep their votes. Absent: false.
   */
  txt?: boolean;
}

export interface RecordRef {
  /** Fully qualified, lower case, no trailing dot. */
  name: string;
  type: RecordType;
}

export interface CurrentRecord {
  values: string[];
  /** The TTL the service holds for the rrset, where the API tells it. */
  ttl?: number;
  /**
   * Set when the name holds a CNAME instead of the A/AAAA rrset (values is then empty): its target,
   * lower case, no trailing dot. The engine refuses such a record and writes nothing.
   */
  cname?: string;
}

export interface WriteRequest {
  values: string[];
  ttl: number;
  /** What read() returned in this run (null: missing or unknown). Used for compare-and-set. */
  previous: CurrentRecord | null;
}

export interface WriteItem {
  ref: RecordRef;
  req: WriteRequest;
}

/** Per item, in the order given: done, or the (typed) error of that item. */
export type ItemResult = { ok: true } | { ok: false; error: unknown };

export interface Provider {
  /** Current value, or null when the record does not exist. Absent when capabilities.read is false. */
  read?(ref: RecordRef): Promise<CurrentRecord | null>;
  /** Make the rrset hold exactly `values`. Idempotent. */
  write(ref: RecordRef, req: WriteRequest): Promise<void>;
  /**
   * Optional batch forms, used by the engine when present: as few API calls as the service allows
   * (one PowerDNS PATCH per zone, Route 53 ChangeBatches of up to 1,000 changes, Cloudflare's batch
   * endpoint, one zone-file rewrite), so calls grow with zones, not records. readMany returns a value,
   * null (missing) or an Error per ref; writeMany an ItemResult per item. A transport failure of a
   * whole batch may be thrown instead (the engine then retries the batch).
   */
  readMany?(refs: RecordRef[]): Promise<Array<CurrentRecord | null | Error>>;
  writeMany?(items: WriteItem[]): Promise<ItemResult[]>;
  /**
   * Optional, for `doctor`: prove that the credentials may change this record without changing it
   * (e.g. an RFC 2136 update whose prerequisite cannot hold). Resolves when they may; throws a
   * typed ProviderError (kind "auth") when the service refuses.
   */
  checkWrite?(ref: RecordRef): Promise<void>;
  close?(): Promise<void>;
}

export interface ProviderContext {
  /** `dnsfail/<version> (+url)`; every HTTP request sends it. */
  userAgent: string;
  /** Directory that relative paths in the config resolve against. */
  baseDir: string;
  /** Tells the user something that is not an error (a run shows it as a warning). */
  warn?(message: string): void;
}

export interface ProviderFactory<C = unknown> {
  kind: string;
  description: string;
  capabilities: Capabilities;
  /**
   * Config keys that hold secrets. For each, `<key>File` is accepted too (read at load time), and the
   * value is registered for redaction. Nested keys use dots: "tsig.secret".
   */
  secretKeys?: string[];
  /** Schema of the provider's config block, including `type` (built-in providers: zod/mini; see README.md). */
  configSchema: ZodMiniType<C>;
  /**
   * The TTL the service really stores when asked for `ttl` (Cloudflare: at least 60 s). Absent: the
   * TTL is stored as given. "In sync" compares the record's TTL with this value.
   */
  storedTtl?(ttl: number, config: C): number;
  /** Why this configuration cannot manage records of `type` (dynv6's /nic/update is IPv4-only); undefined when it can. */
  refusesType?(type: 'A' | 'AAAA', config: C): string | undefined;
  /** The one zone this configuration's names must be inside (zonefile, rfc2136: its `zone`), so that validate refuses a name outside it. */
  zoneOf?(config: C): string;
  create(config: C, ctx: ProviderContext): Provider;
}
