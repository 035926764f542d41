import { ProviderError } from '../kit/errors.js';
import { classifyHetznerError, parseAction, parseRrsetPage, type HcloudAction, type HcloudRrset } from './parse.js';
import { tokenApiOptions, tokenHttpClient } from '../kit/token-config.js';
import type { HttpDeps } from '../kit/http.js';
import type { ProviderContext } from '../kit/types.js';
import type { HetznerConfig } from './index.js';

export const DEFAULT_ENDPOINT = 'https://api.hetzner.cloud/v1';
/** The most `per_page` allows on the RRSet listing. */
const PER_PAGE = 100;
const MAX_PAGES = 200;
/** Waits between looks at a running Action: about 10 s in all. */
const ACTION_POLLS_MS = [100, 200, 400, 800, 1500, 2000, 2500, 2500];

export interface HetznerApi {
  /**
   * The RRSets of a zone (of one name, or of these types), every page; null when the zone does not
   * exist for this token (HTTP 404).
   */
  listRrsets(zone: string, filter: { name?: string; types?: string[] }): Promise<HcloudRrset[] | null>;
  /** Creates the RRSet (or adds to it) and waits for the Action. */
  addRecords(zone: string, name: string, type: string, values: string[], ttl: number): Promise<void>;
  setRecords(zone: string, name: string, type: string, values: string[]): Promise<void>;
  changeTtl(zone: string, name: string, type: string, ttl: number): Promise<void>;
  deleteRrset(zone: string, name: string, type: string): Promise<void>;
}

export interface HetznerDeps extends HttpDeps {
  /** How to wait between polls of an Action (tests do not wait). */
  sleep?: (ms: number) => Promise<void>;
}

export function createHetznerApi(config: HetznerConfig, ctx: ProviderContext, deps: HetznerDeps = {}): HetznerApi {
  const http = tokenHttpClient(tokenApiOptions('hetzner', config, ctx, deps, DEFAULT_ENDPOINT), 'Hetzner', classifyHetznerError);
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  // `@` (the apex) is sent as is, as Hetzner's documentation writes it.
  const rrsetPath = (zone: string, name: string, type: string) => `/zones/${encodeURIComponent(zone)}/rrsets/${encodeURIComponent(name).replace(/^%40$/, '@')}/${type}`;

  /** Changes are Actions: wait until it succeeds; an Action that failed is fatal, one still running after the polls transient. */
  const finish = async (what: string, data: unknown): Promise<void> => {
    let action: HcloudAction = parseAction(data);
    for (const wait of ACTION_POLLS_MS) {
      if (action.status !== 'running') break;
      await sleep(wait);
      action = parseAction((await http.json<unknown>('GET', `/actions/${action.id}`)).data);
    }
    if (action.status === 'error') throw new ProviderError('fatal', `Hetzner ${what}: action ${action.id} failed: ${action.error ?? 'no reason given'}`);
    if (action.status === 'running') throw new ProviderError('transient', `Hetzner ${what}: action ${action.id} still running after ${ACTION_POLLS_MS.reduce((a, b) => a + b, 0) / 1000}s`);
  };

  const post = async (what: string, path: string, json: unknown) => finish(what, (await http.json<unknown>('POST', path, { json })).data);

  return {
    async listRrsets(zone, filter) {
      const out: HcloudRrset[] = [];
      for (let page: number | null = 1, n = 0; page !== null; n++) {
        if (n >= MAX_PAGES) throw new ProviderError('fatal', `Hetzner zone ${zone} has more than ${MAX_PAGES} pages of RRSets`);
        // `type` may repeat, which a record of query parameters cannot say.
        const query = new URLSearchParams({ ...(filter.name ? { name: filter.name } : {}), page: String(page), per_page: String(PER_PAGE) });
        for (const t of filter.types ?? []) query.append('type', t);
        const res = await http.request('GET', `/zones/${encodeURIComponent(zone)}/rrsets?${query}`, { accept: [404] });
        if (res.status === 404) {
          if (page === 1) return null;
          throw new ProviderError('transient', `Hetzner GET /zones/${zone}/rrsets: page ${page} answered 404`);
        }
        let data: unknown;
        try {
          data = JSON.parse(res.body);
        } catch {
          throw new ProviderError('transient', `Hetzner GET /zones/${zone}/rrsets: the response is not JSON (HTTP ${res.status})`);
        }
        const parsed = parseRrsetPage(data);
        out.push(...parsed.rrsets);
        page = parsed.nextPage;
      }
      return out;
    },

    addRecords: (zone, name, type, values, ttl) =>
      post(`add_records ${name}/${type} in ${zone}`, `${rrsetPath(zone, name, type)}/actions/add_records`, { records: values.map((value) => ({ value })), ttl }),

    setRecords: (zone, name, type, values) =>
      post(`set_records ${name}/${type} in ${zone}`, `${rrsetPath(zone, name, type)}/actions/set_records`, { records: values.map((value) => ({ value })) }),

    changeTtl: (zone, name, type, ttl) => post(`change_ttl ${name}/${type} in ${zone}`, `${rrsetPath(zone, name, type)}/actions/change_ttl`, { ttl }),

    async deleteRrset(zone, name, type) {
      const res = await http.json<unknown>('DELETE', rrsetPath(zone, name, type), { accept: [404] });
      if (res.status !== 404) await finish(`delete ${name}/${type} in ${zone}`, res.data);
    },
  };
}
