import { classifyGandiError, parseRrsets, type GandiRrset } from './parse.js';
import { tokenApiOptions, tokenHttpClient } from '../kit/token-config.js';
import type { HttpDeps } from '../kit/http.js';
import type { ProviderContext } from '../kit/types.js';
import type { GandiConfig } from './index.js';

export const DEFAULT_ENDPOINT = 'https://api.gandi.net/v5/livedns';

export interface GandiApi {
  /** GET /domains/{fqdn}: true when the domain is in LiveDNS for this token, false on 404. */
  hasDomain(fqdn: string): Promise<boolean>;
  /** GET /domains/{fqdn}/records/{rrset_name}: the RRsets of every type at the name ([] on 404: the name holds none). */
  listAt(fqdn: string, name: string): Promise<GandiRrset[]>;
  /** PUT /domains/{fqdn}/records/{rrset_name}/{rrset_type}: creates or replaces the RRset. */
  putRrset(fqdn: string, name: string, type: string, values: string[], ttl: number): Promise<void>;
  /** DELETE /domains/{fqdn}/records/{rrset_name}/{rrset_type}; an RRset already gone is fine. */
  deleteRrset(fqdn: string, name: string, type: string): Promise<void>;
}

export function createGandiApi(config: GandiConfig, ctx: ProviderContext, deps: HttpDeps = {}): GandiApi {
  const http = tokenHttpClient(tokenApiOptions('gandi', config, ctx, deps, DEFAULT_ENDPOINT), 'Gandi', classifyGandiError);
  const domainPath = (fqdn: string) => `/domains/${encodeURIComponent(fqdn)}`;
  // `@` (the apex) is sent as is, as Gandi's documentation writes it.
  const namePath = (fqdn: string, name: string) => `${domainPath(fqdn)}/records/${encodeURIComponent(name).replace(/^%40$/, '@')}`;

  return {
    async hasDomain(fqdn) {
      const { status } = await http.json<unknown>('GET', domainPath(fqdn), { accept: [404] });
      return status !== 404;
    },
    async listAt(fqdn, name) {
      const { status, data } = await http.json<unknown>('GET', namePath(fqdn, name), { accept: [404] });
      return status === 404 ? [] : parseRrsets(data);
    },
    async putRrset(fqdn, name, type, values, ttl) {
      await http.json<unknown>('PUT', `${namePath(fqdn, name)}/${type}`, { json: { rrset_values: values, rrset_ttl: ttl } });
    },
    async deleteRrset(fqdn, name, type) {
      await http.request('DELETE', `${namePath(fqdn, name)}/${type}`, { accept: [404] });
    },
  };
}
