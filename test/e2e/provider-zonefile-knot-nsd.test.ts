import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { dig } from '../helpers/dig.js';
import { KNOT_INSTALL, KNOT_TOOLS, startKnot } from '../helpers/knot.js';
import { NSD_INSTALL, NSD_TOOLS, startNsd } from '../helpers/nsd.js';
import { findTool } from '../helpers/require-tool.js';
import { startHttpTarget, type Target } from '../helpers/targets.js';
import { knotReload, nsdReload, servedSerialIsFiles, ZONE, type FileServer } from '../contract/zonefile-servers.js';

// The built binary with the zone-file provider and the reload command the README gives for Knot and
// NSD: a file the server refuses to load makes `check` fail (exit 1) with the previous file put back
// and the old zone still served; once the file is fixed, the next run publishes the live server.

const servers = [
  { kind: 'Knot', tools: KNOT_TOOLS, install: KNOT_INSTALL, start: async () => startKnot({ zone: ZONE }).then((k) => ({ ...k, reload: knotReload(k.conf) })) },
  { kind: 'NSD', tools: NSD_TOOLS, install: NSD_INSTALL, start: async () => startNsd({ zone: ZONE }).then((n) => ({ ...n, reload: nsdReload(n.conf, n.zoneFile) })) },
];

for (const { kind, tools, install, start } of servers) {
  const missing = tools.filter((n) => !findTool(n));
  const skip = missing.length > 0 && process.env.CI !== 'true' ? `missing ${missing.join(', ')} (install: ${install})` : false;

  describe(`dnsfail check with the zonefile provider and a real ${kind} (built binary)`, { skip }, () => {
    let server: FileServer & { reload: string[]; stop: () => Promise<void> };
    let live: Target;
    let dir: string;
    before(async () => {
      server = await start();
      live = await startHttpTarget({ host: '127.0.0.3' });
      dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-zonefile-'));
    });
    after(async () => {
      await live?.close();
      await server?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('a file the server refuses: exit 1, the file put back, the old zone still served; fixed, the next run publishes', async () => {
      const config = join(dir, 'dnsfail.yaml');
      writeFileSync(
        config,
        `providers:
  local:
    type: zonefile
    file: ${JSON.stringify(server.zoneFile)}
    zone: ${ZONE}
    reload: ${JSON.stringify(server.reload)}
defaults: { fall: 1, rise: 1 }
records:
  - name: app.${ZONE}
    ttl: 30
    check: { type: http, port: ${live.port}, path: /health, timeout: 700ms }
    servers: [127.0.0.2, 127.0.0.3]
`,
      );
      const args = ['check', '-c', config, '--state', join(dir, 'state.json')];
      const good = readFileSync(server.zoneFile, 'utf8');
      const broken = `${good}mail IN MX not-a-number mx.${ZONE}.\n`;
      writeFileSync(server.zoneFile, broken);

      const failed = await runCli(args);
      assert.equal(failed.code, 1, failed.stdout + failed.stderr);
      assert.match(failed.stdout + failed.stderr, /reload failed: .*was restored/);
      assert.equal(readFileSync(server.zoneFile, 'utf8'), broken, 'the previous file is back');
      assert.deepEqual(await dig('127.0.0.1', server.port, `ns1.${ZONE}`, 'A'), ['127.0.0.1'], 'the zone is still served');
      assert.deepEqual(await dig('127.0.0.1', server.port, `app.${ZONE}`, 'A'), []);

      writeFileSync(server.zoneFile, good);
      const fixed = await runCli(args);
      assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
      await servedSerialIsFiles(server);
      assert.deepEqual(await dig('127.0.0.1', server.port, `app.${ZONE}`, 'A'), ['127.0.0.3']);
    });
  });
}
