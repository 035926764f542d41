/** Fully resolved health-check specs: config defaults and inheritance are already applied. */

export interface TcpCheck {
  type: 'tcp';
  port: number;
  timeoutMs: number;
}

export type BodyMatch = { kind: 'substring'; text: string } | { kind: 'regex'; source: string; flags: string };

export interface HttpCheck {
  type: 'http' | 'https';
  port: number;
  path: string;
  /** Sent as the Host header and, for https, as TLS SNI and the name the certificate must match. */
  host: string;
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  timeoutMs: number;
  /** Inclusive status ranges that count as healthy. */
  expectStatus: Array<[number, number]>;
  expectBody?: BodyMatch;
  /** Bytes of body read at most (the match looks only at these). */
  maxBodyBytes: number;
  /** Skip certificate verification (https only). */
  insecure: boolean;
  /** PEM file with extra CA certificates to trust (https only). */
  caFile?: string;
}

export interface CommandCheck {
  type: 'command';
  /** argv, run without a shell. */
  command: string[];
  timeoutMs: number;
}

export type CheckSpec = TcpCheck | HttpCheck | CommandCheck;

export interface ProbeTarget {
  /** IP literal of the server. */
  address: string;
  check: CheckSpec;
  /** Managed record name, exported to command checks as DNSFAIL_NAME. */
  recordName: string;
}

export interface ProbeResult {
  healthy: boolean;
  latencyMs: number;
  /** Why it is unhealthy, short and human: "connect ECONNREFUSED", "status 503", "timeout after 2000ms". */
  error?: string;
  /** What a healthy probe saw, when it says more than "ok": "HTTP 301". */
  detail?: string;
}

/**
 * A probe that failed for lack of this machine's own resources (file descriptors, buffers, memory)
 * says nothing about the server: it is never counted as a failure of the server.
 */
export function localProbeFailure(r: ProbeResult): string | null {
  return !r.healthy && r.error !== undefined && /\b(EMFILE|ENFILE|ENOBUFS|ENOMEM)\b/.test(r.error) ? r.error : null;
}
