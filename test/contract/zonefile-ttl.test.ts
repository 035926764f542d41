import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startBind } from '../helpers/bind.js';
import { KNOT_INSTALL, KNOT_TOOLS, startKnot } from '../helpers/knot.js';
import { NSD_INSTALL, NSD_TOOLS, startNsd } from '../helpers/nsd.js';
import { requireTools } from '../helpers/require-tool.js';
import { knotReload, nsdReload, servedSerialIsFiles, servedWithTtl, ZONE, zonefileProviderFor, type FileServer } from './zonefile-servers.js';

// A zone file without $TTL: BIND serves a record that has no TTL with the previous record's TTL,
// Knot and NSD with their default (3600). Whatever the server, a dnsfail write must not change what
// it serves for the records dnsfail does not manage.

const NO_DOLLAR_TTL = `$ORIGIN ${ZONE}.
@ 120 IN SOA ns1 hostmaster ( 7 3600 600 86400 60 )
  IN NS ns1
ns1 IN A 127.0.0.1
app 120 IN A 192.0.2.1
    IN TXT "no TTL: BIND 120, Knot and NSD 3600"
    IN AAAA 2001:db8::1
www 300 IN A 192.0.2.5
    IN TXT "www"
`;
const UNTOUCHED: Array<[string, string]> = [
  [ZONE, 'NS'],
  [`ns1.${ZONE}`, 'A'],
  [`app.${ZONE}`, 'TXT'],
  [`app.${ZONE}`, 'AAAA'],
  [`www.${ZONE}`, 'A'],
  [`www.${ZONE}`, 'TXT'],
];
const APP = { name: `app.${ZONE}`, type: 'A' } as const;

const servedUntouched = async (server: FileServer) => Promise.all(UNTOUCHED.map(([name, type]) => servedWithTtl(server.port, name, type)));

const servers = [
  {
    kind: 'BIND',
    tools: ['named', 'rndc', 'dig'],
    install: 'apt-get install bind9 bind9-utils bind9-dnsutils',
    start: async () => {
      const bind = await startBind({ zone: ZONE, zoneText: NO_DOLLAR_TTL });
      return { server: bind, reload: ['rndc', '-c', bind.rndcConf, 'reload', ZONE], stop: bind.stop };
    },
  },
  {
    kind: 'Knot',
    tools: KNOT_TOOLS,
    install: KNOT_INSTALL,
    start: async () => {
      const knot = await startKnot({ zone: ZONE, zoneText: NO_DOLLAR_TTL });
      return { server: knot, reload: knotReload(knot.conf), stop: knot.stop };
    },
  },
  {
    kind: 'NSD',
    tools: NSD_TOOLS,
    install: NSD_INSTALL,
    start: async () => {
      const nsd = await startNsd({ zone: ZONE, zoneText: NO_DOLLAR_TTL });
      return { server: nsd, reload: nsdReload(nsd.conf, nsd.zoneFile), stop: nsd.stop };
    },
  },
];

describe('zonefile provider: a file without $TTL keeps what each server serves', () => {
  for (const { kind, tools, install, start } of servers) {
    it(`${kind} serves the untouched records with the same TTLs before and after a write`, async (t) => {
      if (!requireTools(t, tools, install)) return;
      const s = await start();
      t.after(() => s.stop());
      const before = await servedUntouched(s.server);
      assert.ok(before.every((answers) => answers.length > 0), JSON.stringify(before));

      const p = zonefileProviderFor(s.server, s.reload);
      const seen = await p.read!(APP);
      assert.deepEqual(seen, { values: ['192.0.2.1'], ttl: 120 }, 'a stated TTL is read as written');
      await p.write(APP, { values: ['192.0.2.9'], ttl: 30, previous: seen });
      await servedSerialIsFiles(s.server);

      assert.deepEqual(await servedWithTtl(s.server.port, APP.name, 'A'), [`${APP.name}. 30 IN A 192.0.2.9`]);
      assert.deepEqual(await servedUntouched(s.server), before);
    });
  }
});
