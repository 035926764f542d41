import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { isProviderError } from '../../providers/kit/errors.js';
import { dig } from '../helpers/dig.js';
import { KNOT_INSTALL, KNOT_TOOLS, startKnot, type Knot } from '../helpers/knot.js';
import { NSD_INSTALL, NSD_TOOLS, startNsd, type Nsd } from '../helpers/nsd.js';
import { findTool, requireTools } from '../helpers/require-tool.js';
import { providerContract } from './provider-contract.js';
import { knotReload, nsdReload, servedSerialIsFiles, servedWithTtl, ZONE, zonefileHarness, zonefileProviderFor, type FileServer } from './zonefile-servers.js';

// The zone-file provider with a real Knot DNS 3 and a real NSD 4 on loopback, each reloaded with the
// command the provider's README gives. The independent view is dig at the server, once it serves
// the serial the file holds.

const APP = { name: `app.${ZONE}`, type: 'A' } as const;
const servers = [
  { kind: 'Knot', tools: KNOT_TOOLS, install: KNOT_INSTALL },
  { kind: 'NSD', tools: NSD_TOOLS, install: NSD_INSTALL },
] as const;

async function startServer(kind: 'Knot' | 'NSD'): Promise<{ server: FileServer; reload: string[]; stop: () => Promise<void>; log: () => Promise<string> }> {
  if (kind === 'Knot') {
    const knot: Knot = await startKnot({ zone: ZONE });
    return { server: knot, reload: knotReload(knot.conf), stop: knot.stop, log: knot.log };
  }
  const nsd: Nsd = await startNsd({ zone: ZONE });
  return { server: nsd, reload: nsdReload(nsd.conf, nsd.zoneFile), stop: nsd.stop, log: nsd.log };
}

for (const { kind, tools, install } of servers) {
  const available = tools.every((n) => findTool(n) !== null) || process.env.CI === 'true';
  if (!available) {
    it(`zonefile provider with ${kind}`, (t) => {
      requireTools(t, [...tools], install);
    });
    continue;
  }

  providerContract(zonefileHarness(`zonefile (${kind})`, () => startServer(kind)));

  describe(`zonefile provider with a real ${kind}: a load the server refuses is a failed write`, () => {
    let s: Awaited<ReturnType<typeof startServer>>;
    before(async () => {
      s = await startServer(kind);
    });
    after(async () => s?.stop());

    it('read reports the TTL the server serves for a record that takes it from $TTL', async () => {
      const p = zonefileProviderFor(s.server, s.reload);
      assert.deepEqual(await p.read!({ name: `api.${ZONE}`, type: 'A' }), { values: ['192.0.2.1'], ttl: 60 });
      assert.deepEqual(await servedWithTtl(s.server.port, `api.${ZONE}`, 'A'), [`api.${ZONE}. 60 IN A 192.0.2.1`]);
    });

    it('the write fails as transient, the file is put back, and the server still serves the old zone', async () => {
      const p = zonefileProviderFor(s.server, s.reload);
      await p.write(APP, { values: ['192.0.2.10'], ttl: 30, previous: null });
      await servedSerialIsFiles(s.server);
      // Someone edits the file by hand and leaves a line the server cannot load (dnsfail does not read MX data).
      const broken = `${await readFile(s.server.zoneFile, 'utf8')}mail IN MX not-a-number mx.${ZONE}.\n`;
      await writeFile(s.server.zoneFile, broken);

      let caught: unknown;
      await p.write(APP, { values: ['192.0.2.20'], ttl: 30, previous: { values: ['192.0.2.10'] } }).catch((e: unknown) => (caught = e));
      assert.ok(isProviderError(caught), `the write must fail; got ${String(caught)}\n${await s.log()}`);
      assert.equal(caught.kind, 'transient');
      assert.match(caught.message, /^reload failed: .*was restored$/);
      assert.equal(await readFile(s.server.zoneFile, 'utf8'), broken, 'the previous file is back');
      assert.deepEqual(await dig('127.0.0.1', s.server.port, APP.name, 'A'), ['192.0.2.10'], 'the zone is still served, with the old value');
    });
  });
}
