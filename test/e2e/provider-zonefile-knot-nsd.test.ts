import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { knotReload, nsdReload, servedSerialIsFiles } from '../contract/zonefile-servers.js';
import { runCli } from '../helpers/cli.js';
import { dig } from '../helpers/dig.js';
import { KNOT_INSTALL, KNOT_TOOLS, startKnot, type Knot } from '../helpers/knot.js';
import { NSD_INSTALL, NSD_TOOLS, startNsd, type Nsd } from '../helpers/nsd.js';
import { findTool } from '../helpers/require-tool.js';
import { startHttpTarget, type Target } from '../helpers/targets.js';

// The built binary with the zone-file provider and the reload commands the README gives for Knot and
// NSD, one zone on each (one run settles both, so the failed run's retries are paid once): files the
// servers refuse to load make `check` fail (exit 1) with the previous files put back and the old zones
// still served; once the files are fixed, the next run publishes the live server on both.

const TOOLS = [...KNOT_TOOLS, ...NSD_TOOLS];
const missing = TOOLS.filter((n) => !findTool(n));
const skip = missing.length > 0 && process.env.CI !== 'true' ? `missing ${missing.join(', ')} (install: ${KNOT_INSTALL}; ${NSD_INSTALL})` : false;

describe('dnsfail check with the zonefile provider and real Knot and NSD (built binary)', { skip }, () => {
  let knot: Knot;
  let nsd: Nsd;
  let live: Target;
  let dir: string;
  before(async () => {
    [knot, nsd, live] = await Promise.all([startKnot({ zone: 'knot.test' }), startNsd({ zone: 'nsd.test' }), startHttpTarget({ host: '127.0.0.3' })]);
    dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-zonefile-'));
  });
  after(async () => {
    await Promise.all([live?.close(), knot?.stop(), nsd?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('files the servers refuse: exit 1, the files put back, the old zones still served; fixed, the next run publishes', async () => {
    const zones = [
      { zone: 'knot.test', server: knot, reload: knotReload(knot.conf, 'knot.test'), says: /knotc exited with code 1: error: \[knot\.test\] \(failed\)/ },
      { zone: 'nsd.test', server: nsd, reload: nsdReload(nsd.conf, nsd.zoneFile, 'nsd.test'), says: /sh exited with code 1: .*nsd-checkzone.*nsd\.test\.zone:7: integer value is expected/ },
    ];
    const config = join(dir, 'dnsfail.yaml');
    writeFileSync(
      config,
      `providers:
${zones.map((z) => `  ${z.zone.split('.')[0]}: { type: zonefile, file: ${JSON.stringify(z.server.zoneFile)}, zone: ${z.zone}, reload: ${JSON.stringify(z.reload)} }`).join('\n')}
defaults:
  fall: 1
  rise: 1
  ttl: 30
  check: { type: http, port: ${live.port}, path: /health, timeout: 700ms }
records:
${zones.map((z) => `  - { name: app.${z.zone}, provider: ${z.zone.split('.')[0]}, servers: [127.0.0.2, 127.0.0.3] }`).join('\n')}
`,
    );
    const args = ['check', '-c', config, '--state', join(dir, 'state.json')];
    const good = zones.map((z) => readFileSync(z.server.zoneFile, 'utf8'));
    // Someone edits the files by hand and leaves a line the server cannot load (dnsfail does not read MX data).
    const broken = zones.map((z, i) => `${good[i]}mail IN MX not-a-number mx.${z.zone}.\n`);
    zones.forEach((z, i) => writeFileSync(z.server.zoneFile, broken[i]!));

    const failed = await runCli(args);
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
    for (const [i, z] of zones.entries()) {
      assert.match(failed.stdout + failed.stderr, new RegExp(`app\\.${z.zone.replace('.', '\\.')}.*reload failed: .*was restored`));
      assert.match(failed.stdout + failed.stderr, z.says, 'the server\'s own reason is shown');
      assert.equal(readFileSync(z.server.zoneFile, 'utf8'), broken[i], `${z.zone}: the previous file is back`);
      assert.deepEqual(await dig('127.0.0.1', z.server.port, `ns1.${z.zone}`, 'A'), ['127.0.0.1'], `${z.zone} is still served`);
      assert.deepEqual(await dig('127.0.0.1', z.server.port, `app.${z.zone}`, 'A'), []);
    }

    zones.forEach((z, i) => writeFileSync(z.server.zoneFile, good[i]!));
    const fixed = await runCli(args);
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    for (const z of zones) {
      await servedSerialIsFiles(z.server, z.zone);
      assert.deepEqual(await dig('127.0.0.1', z.server.port, `app.${z.zone}`, 'A'), ['127.0.0.3'], z.zone);
    }
  });
});
