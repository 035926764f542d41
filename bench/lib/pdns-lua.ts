import { findTool } from '../../test/helpers/require-tool.js';
import { startPdns } from '../../test/helpers/pdns.js';

/** The project's PowerDNS test server with LUA records on and a fast LUA health-check interval. */
export interface LuaPdns {
  dnsPort: number;
  apiUrl: string;
  apiKey: string;
  /** One call of the API under /api/v1/servers/localhost; throws on a non-2xx answer. */
  api(method: string, path: string, body?: unknown): Promise<unknown>;
  log(): string;
  stop(): Promise<void>;
}

export const PDNS_TOOLS = ['pdns_server', 'sqlite3'];

export async function startLuaPdns(opts: { luaCheckIntervalS: number }): Promise<LuaPdns> {
  if (PDNS_TOOLS.some((t) => !findTool(t))) throw new Error('skipped: needs pdns_server and sqlite3 (apt-get install pdns-server pdns-backend-sqlite3 sqlite3)');
  const pdns = await startPdns({ extraConfig: ['enable-lua-records=yes', `lua-health-checks-interval=${opts.luaCheckIntervalS}`] });
  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${pdns.apiUrl}/api/v1/servers/localhost${path}`, {
      method,
      headers: { 'X-API-Key': pdns.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`PowerDNS API ${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : undefined;
  };
  return { dnsPort: pdns.dnsPort, apiUrl: pdns.apiUrl, apiKey: pdns.apiKey, api, log: () => pdns.log(), stop: () => pdns.stop() };
}
