import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { defaultZoneText, startBind, type Bind } from '../helpers/bind.js';
import { dig } from '../helpers/dig.js';
import { runCli } from '../helpers/cli.js';
import { requireTools } from '../helpers/require-tool.js';
import { startHttpTarget, type Target } from '../helpers/targets.js';

// doctor against a real BIND serving a static zone that the zone-file provider edits.
describe('dnsfail doctor (real BIND, zone-file provider)', () => {
  let bind: Bind | undefined;
  let target: Target;
  let dir: string;
  let tools: Record<string, string> | null = null;
  before(async () => {
    target = await startHttpTarget({ host: '127.0.0.2' });
  });
  after(async () => {
    await target.close();
    await bind?.stop();
  });

  const config = (alias: string, ttl: number) => `providers:
  local:
    type: zonefile
    file: ${JSON.stringify(bind!.zoneFile)}
    zone: example.test
    reload: [${JSON.stringify(tools!.rndc)}, "-c", ${JSON.stringify(bind!.rndcConf)}, "reload", "example.test"]
records:
  - name: app.example.test
    alias: ${alias}
    ttl: ${ttl}
    check: { type: http, port: ${target.port}, path: /health, timeout: 1s }
    servers:
      - { address: 127.0.0.2, label: primary }
      - { address: 127.0.0.3, label: backup }
`;

  it('says everything holds and draws the chain, then names each problem with its fix', async (t) => {
    tools = requireTools(t, ['named', 'rndc', 'dig'], 'apt-get install bind9 bind9-utils bind9-dnsutils');
    if (!tools) return;
    bind = await startBind({ zone: 'example.test', zoneText: `${defaultZoneText('example.test')}www IN CNAME app.example.test.\n` });
    dir = mkdtempSync(join(tmpdir(), 'dnsfail-doctor-'));
    const cfg = join(dir, 'dnsfail.yaml');
    const args = ['-c', cfg, '--state', join(dir, 'state.json')];
    writeFileSync(cfg, config('www.example.test', 30));

    const before = await runCli(['doctor', '--resolver', `127.0.0.1:${bind.port}`, ...args]);
    assert.equal(before.code, 1, 'the record does not exist yet');
    assert.match(before.stdout, /the record does not exist yet\n\s+fix: run `dnsfail check` once/);

    const check = await runCli(['check', ...args]);
    assert.equal(check.code, 0, check.stderr);
    for (let i = 0; i < 50 && (await dig('127.0.0.1', bind.port, 'app.example.test', 'A')).join() !== '127.0.0.2'; i++) await sleep(100);

    const r = await runCli(['doctor', '--resolver', `127.0.0.1:${bind.port}`, ...args]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /✔ www\.example\.test is a CNAME to app\.example\.test/);
    assert.match(r.stdout, /www\.example\.test → CNAME → app\.example\.test → A 127\.0\.0\.2 \(server 1 of 2, primary, up\)/);
    assert.match(r.stdout, /everything holds/);

    writeFileSync(cfg, config('api.example.test', 600));
    const r2 = await runCli(['doctor', '--resolver', `127.0.0.1:${bind.port}`, ...args]);
    assert.equal(r2.code, 1);
    assert.match(r2.stdout, /✘ api\.example\.test is not a CNAME[^\n]*\n\s+fix: add api\.example\.test\. CNAME app\.example\.test\./);
    assert.match(r2.stdout, /✘ TTL 600s is longer than fall × interval \(3 × 1m\)[^\n]*\n\s+fix: set ttl: 180/);
    assert.match(r2.stdout, /2 problem\(s\) found/);
  });
});
