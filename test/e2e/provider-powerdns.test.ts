import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { dig } from '../helpers/dig.js';
import { startApiProxy, startPdns, type ApiProxy, type Pdns } from '../helpers/pdns.js';
import { findTool } from '../helpers/require-tool.js';
import { startHttpTarget, type Target } from '../helpers/targets.js';

// The built binary against a real PowerDNS: the record fails over from a dead server (127.0.0.2,
// nothing listening) to a live one (127.0.0.3), `dig` at PowerDNS sees it, and a second run sends no
// PATCH. A counting proxy in front of the API sees every request the binary makes.

const TOOLS = ['pdns_server', 'sqlite3', 'dig'];
const INSTALL = 'apt-get install pdns-server pdns-backend-sqlite3 sqlite3 bind9-dnsutils';
const missing = TOOLS.filter((n) => !findTool(n));
const skip = missing.length > 0 && process.env.CI !== 'true' ? `missing ${missing.join(', ')} (install: ${INSTALL})` : false;

describe('dnsfail check with the powerdns provider (built binary, real PowerDNS)', { skip }, () => {
  let pdns: Pdns;
  let proxy: ApiProxy;
  let live: Target;
  let dir: string;

  before(async () => {
    pdns = await startPdns();
    await pdns.createZone('example.test');
    proxy = await startApiProxy(pdns.apiUrl);
    live = await startHttpTarget({ host: '127.0.0.3' });
    dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-pdns-'));
  });
  after(async () => {
    await live?.close();
    await proxy?.close();
    await pdns?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    assert.ok(proxy.validated() > 0);
    assert.deepEqual(proxy.violations(), [], 'requests or answers off the PowerDNS API description');
  });

  const config = (name: string, key: string) => `providers:
  pdns:
    type: powerdns
    url: ${proxy.url}
    ${key}
defaults:
  fall: 1
  rise: 1
records:
  - name: ${name}
    provider: pdns
    ttl: 30
    check: { type: http, port: ${live.port}, path: /health, timeout: 700ms }
    servers:
      - { address: 127.0.0.2, label: primary }
      - { address: 127.0.0.3, label: backup }
`;
  const setup = (label: string, name: string, key = 'apiKey: "${PDNS_API_KEY}"') => {
    const configPath = join(dir, `${label}.yaml`);
    writeFileSync(configPath, config(name, key));
    return ['-c', configPath, '--state', join(dir, `${label}.state.json`)];
  };
  const env = () => ({ PDNS_API_KEY: pdns.apiKey });
  const patches = () => proxy.seen.filter((r) => r.method === 'PATCH').length;

  it('fails over from the dead primary to the live backup, then a second run sends no PATCH', async () => {
    const name = 'app.example.test';
    // The record starts on the primary, as if it had been healthy until now.
    const seed = await fetch(`${pdns.apiUrl}/api/v1/servers/localhost/zones/example.test.`, {
      method: 'PATCH',
      headers: { 'x-api-key': pdns.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ rrsets: [{ name: `${name}.`, type: 'A', ttl: 30, changetype: 'REPLACE', records: [{ content: '127.0.0.2', disabled: false }] }] }),
    });
    assert.equal(seed.status, 204);
    assert.deepEqual(await dig('127.0.0.1', pdns.dnsPort, name, 'A'), ['127.0.0.2']);

    const args = setup('failover', name);
    const first = await runCli(['check', ...args], { env: env() });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /changed app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3/);
    assert.deepEqual(await dig('127.0.0.1', pdns.dnsPort, name, 'A'), ['127.0.0.3']);
    assert.equal(patches(), 1);
    assert.ok(live.hits > 0, 'the live server was probed');
    for (const r of proxy.seen) assert.match(String(r.headers['user-agent']), /^dnsfail\//);

    const before = proxy.requests();
    const second = await runCli(['check', ...args], { env: env() });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout + second.stderr, '', 'silent when in sync');
    assert.equal(patches(), 1, 'no PATCH on the second run');
    assert.ok(proxy.requests() > before, 'the second run did read the record');
    assert.deepEqual(await dig('127.0.0.1', pdns.dnsPort, name, 'A'), ['127.0.0.3']);
  });

  it('creates a missing record with the key from apiKeyFile', async () => {
    const name = 'new.example.test';
    const keyFile = join(dir, 'pdns.key');
    writeFileSync(keyFile, `${pdns.apiKey}\n`, { mode: 0o600 });
    const r = await runCli(['check', ...setup('keyfile', name, `apiKeyFile: ${JSON.stringify(keyFile)}`)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /changed new\.example\.test A: \(missing\) → 127\.0\.0\.3/);
    assert.deepEqual(await dig('127.0.0.1', pdns.dnsPort, name, 'A'), ['127.0.0.3']);
  });

  it('a wrong key fails the run (exit 1) without printing the key', async () => {
    const wrong = 'wrong-key-e2e-0123456789';
    const before = patches();
    const r = await runCli(['check', ...setup('badkey', 'bad.example.test')], { env: { PDNS_API_KEY: wrong } });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /401/);
    assert.ok(!(r.stdout + r.stderr).includes(wrong), 'the key is not printed');
    assert.equal(patches(), before, 'nothing written');
  });
});
