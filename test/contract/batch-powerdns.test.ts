import assert from 'node:assert/strict';
import { it } from 'node:test';
import powerdnsProvider, { createPowerdnsProvider } from '../../providers/powerdns/index.js';
import type { Provider } from '../../providers/kit/types.js';
import { digRrset } from '../helpers/dig.js';
import { startApiProxy, startPdns, type ApiProxy, type Pdns } from '../helpers/pdns.js';
import { requireTools, suiteTools } from '../helpers/require-tool.js';
import { batchContract } from './batch-contract.js';

// readMany/writeMany against a real PowerDNS 4.7 behind the counting proxy; `dig` is the independent view.
// Bounds: one GET /zones (the zone list, once per provider) plus one GET or one PATCH per zone.

const TOOLS = ['pdns_server', 'sqlite3', 'dig'];
const INSTALL = 'apt-get install pdns-server pdns-backend-sqlite3 sqlite3 bind9-dnsutils';
const ZONES: [string, string] = ['one.test', 'two.test'];
const ctx = { userAgent: 'dnsfail/test (+batch)', baseDir: '/' };
const { available } = suiteTools(TOOLS, INSTALL);

if (available) {
  let pdns: Pdns;
  let proxy: ApiProxy;
  let provider: Provider;
  batchContract({
    kind: 'powerdns',
    zones: ZONES,
    start: async () => {
      pdns = await startPdns();
      for (const z of ZONES) await pdns.createZone(z);
      proxy = await startApiProxy(pdns.apiUrl);
      provider = createPowerdnsProvider(powerdnsProvider.configSchema.parse({ type: 'powerdns', url: proxy.url, apiKey: pdns.apiKey }), ctx, { timeoutMs: 5000 });
    },
    stop: async () => {
      await proxy?.close();
      await pdns?.stop();
      assert.ok(proxy.validated() > 0);
      assert.deepEqual(proxy.violations(), [], 'requests or answers off the PowerDNS API description');
    },
    providerFor: () => provider,
    lookup: (name, type) => digRrset(pdns.dnsPort, name, type),
    requests: () => proxy.requests(),
    mutations: () => proxy.mutations(),
    maxReadRequests: (_records, zones) => 1 + zones,
    maxWriteRequests: (_records, zones) => 1 + zones,
    // An A cannot be written next to a CNAME: PowerDNS refuses the PATCH with a 422 naming that rrset.
    spoil: async (name) => {
      const zone = ZONES.find((z) => name.endsWith(`.${z}`))!;
      const res = await fetch(`${pdns.apiUrl}/api/v1/servers/localhost/zones/${zone}.`, {
        method: 'PATCH',
        headers: { 'x-api-key': pdns.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({
          rrsets: [
            { name: `${name}.`, type: 'A', changetype: 'DELETE' },
            { name: `${name}.`, type: 'CNAME', ttl: 60, changetype: 'REPLACE', records: [{ content: `target.${zone}.`, disabled: false }] },
          ],
        }),
      });
      if (res.status !== 204) throw new Error(`spoil: HTTP ${res.status} ${await res.text()}`);
      return 'fatal';
    },
    skipsUnchanged: true,
  });
} else {
  it('batch contract: powerdns', (t) => {
    requireTools(t, TOOLS, INSTALL);
  });
}
