import type { RecordPolicy, ServerRef } from '../core/types.js';
import type { CheckSpec } from '../health/types.js';
import type { ProviderFactory } from '../../providers/kit/types.js';

export interface ServerConfig extends ServerRef {
  check: CheckSpec;
  /** Gap before a confirming probe after a failure of a server still counted up; 0 or absent: none (fastInterval: off). */
  fastIntervalMs?: number;
}

export interface RecordConfig extends RecordPolicy {
  /** "name/type": the key of this record in state and reports. */
  key: string;
  alias?: string;
  provider: string;
  ttl: number;
  servers: ServerConfig[];
}

export interface ProviderConfig {
  id: string;
  kind: string;
  factory: ProviderFactory<any>;
  /** Validated by the factory's schema, secrets already read from their files. */
  settings: unknown;
}

export type NotifyEvent = 'change' | 'all-down' | 'recovery' | 'error' | 'quorum-lost';

export type NotifierConfig =
  | { type: 'webhook' | 'slack' | 'discord'; url: string; headers: Record<string, string>; events: NotifyEvent[]; timeoutMs: number; allowInsecureHttp: boolean }
  | { type: 'exec'; command: string[]; events: NotifyEvent[]; timeoutMs: number };

export interface PingConfig {
  url: string;
  timeoutMs: number;
  allowInsecureHttp: boolean;
}

/** Several checkers sharing the records (vantage:): see README "Several checkers". */
export interface VantageConfig {
  /** This checker. */
  id: string;
  /** Every checker's id, this one included. */
  peers: string[];
  /** Votes that must say a server is down before it counts down. */
  quorum: number;
  staleAfterMs: number;
  /** The provider that keeps the votes; absent: each record's own. */
  store?: string;
  /** Votes are named <id>._dnsfail.<record>.<zone>; absent: <id>._dnsfail.<record>. */
  zone?: string;
}

export interface Config {
  /** Where it came from, for messages ("dnsfail.yaml", "embedded demo"). */
  source: string;
  /** Relative paths in the config resolve against this directory. */
  baseDir: string;
  providers: Record<string, ProviderConfig>;
  records: RecordConfig[];
  notify: NotifierConfig[];
  ping?: PingConfig;
  vantage?: VantageConfig;
  /** The config's `state:` key, resolved against baseDir. */
  statePath?: string;
  /** Said once when the config file is loaded (a readable file holding plain-text secrets). */
  warnings?: string[];
  /** validate --offline: the unset ${VAR}s and missing secret files, as "path: why", that could not be checked. */
  unchecked?: string[];
}
