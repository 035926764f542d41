import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { digRrset } from '../helpers/dig.js';
import { startApiProxy, startPdns, type ApiProxy, type Pdns } from '../helpers/pdns.js';
import { findTool } from '../helpers/require-tool.js';
import { startTcpTarget, type TcpTarget } from '../helpers/targets.js';

// Three checkers on a real PowerDNS (its HTTP API, through the spec-checking proxy), started at the
// same instant round after round: every vote as its checker cast it, the record converged. The
// partitions are in several-checkers.test.ts (zone file, network namespaces).

const TOOLS = ['pdns_server', 'sqlite3', 'dig'];
const INSTALL = 'apt-get install pdns-server pdns-backend-sqlite3 sqlite3 bind9-dnsutils';
const missing = TOOLS.filter((n) => !findTool(n));
const skip = missing.length > 0 && process.env.CI !== 'true' ? `missing ${missing.join(', ')} (install: ${INSTALL})` : false;
const NAME = 'app.example.test';

describe('several checkers on a real PowerDNS', { skip }, () => {
  let pdns: Pdns;
  let proxy: ApiProxy;
  let primary: TcpTarget;
  let dir: string;

  before(async () => {
    pdns = await startPdns();
    await pdns.createZone('example.test');
    proxy = await startApiProxy(pdns.apiUrl);
    primary = await startTcpTarget({ host: '127.0.0.2' });
    dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-pdns-checkers-'));
    writeFileSync(
      join(dir, 'dnsfail.yaml'),
      `providers:\n  pdns:\n    type: powerdns\n    url: ${proxy.url}\n    apiKey: "\${PDNS_API_KEY}"\n` +
        `vantage:\n  id: \${DNSFAIL_VANTAGE}\n  peers: [c0, c1, c2]\n  staleAfter: 30s\n` +
        `records:\n  - name: ${NAME}\n    fall: 1\n    rise: 1\n    check: { type: tcp, port: ${primary.port}, timeout: 300ms }\n` +
        `    servers:\n      - { address: 127.0.0.2, label: primary }\n      - { address: 127.0.0.3, label: backup }\n`,
    );
  });
  after(async () => {
    await primary?.close();
    await proxy?.close();
    await pdns?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    assert.ok(proxy.validated() > 0);
    assert.deepEqual(proxy.violations(), [], 'requests or answers off the PowerDNS API description');
  });

  it('3 checks started together × 10 rounds, the backup flapping: no vote lost, the record created once two checkers have voted and kept on the primary', async () => {
    const check = (k: number) =>
      runCli(['check', '-c', join(dir, 'dnsfail.yaml'), '--state', join(dir, `c${k}.state.json`)], { env: { PDNS_API_KEY: pdns.apiKey, DNSFAIL_VANTAGE: `c${k}` } });
    const voteOf = async (k: number) => {
      const txt = await digRrset(pdns.dnsPort, `c${k}._dnsfail.${NAME}`, 'TXT');
      return txt?.length === 1 ? /^v=dnsfail1 id=c\d at=\d+ q=[0-9a-f]{8} s=([UD?]+)$/.exec(txt[0]!)?.[1] : undefined;
    };
    for (let round = 0; round < 10; round++) {
      // The backup (127.0.0.3) listens in even rounds only: every checker's view, and vote, changes each round.
      const backup = round % 2 === 0 ? await startTcpTarget({ host: '127.0.0.3', port: primary.port }) : undefined;
      const results = await Promise.all([0, 1, 2].map(check));
      await backup?.close();
      for (const r of results) assert.ok(r.code === 0 || (round === 0 && r.code === 4), `round ${round}: exit ${r.code}: ${r.stdout}${r.stderr}`);
      const want = round % 2 === 0 ? 'UU' : 'UD';
      assert.deepEqual(await Promise.all([0, 1, 2].map(voteOf)), [want, want, want], `round ${round}: every vote as its checker cast it`);
      // Round 0: a checker that reads the votes before another has cast one has no quorum yet; one
      // that reads after creates the record. From round 1 on every checker has a quorum.
      const held = await digRrset(pdns.dnsPort, NAME, 'A');
      if (round > 0 || held !== null) assert.deepEqual(held, ['127.0.0.2']);
    }
  });
});
