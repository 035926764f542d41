import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createSocket } from 'node:dgram';
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
    // The fix names the zone the alias belongs in (found by its SOA), not the alias itself.
    assert.match(r2.stdout, /✘ api\.example\.test is not a CNAME[^\n]*\n\s+fix: add api\.example\.test\. CNAME app\.example\.test\. in the example\.test zone\n/);
    assert.match(r2.stdout, /✘ TTL 600s is longer than fall × interval \(3 × 1m\)[^\n]*\n\s+fix: set ttl: 180/);
    // The live TTL (30) differs from the config (600): a ✘ too, not a note.
    assert.match(r2.stdout, /✘ the record has TTL 30, the config says 600\n\s+fix: run dnsfail check: it corrects the TTL/);
    assert.match(r2.stdout, /3 problem\(s\) found/);
    assert.doesNotMatch(r2.stdout, /→ CNAME →/, 'no chain is drawn through an alias that is not a CNAME');

    // A name that is not in the zone at all (NXDOMAIN) is said to not exist.
    writeFileSync(cfg, config('missing.example.test', 30));
    const r3 = await runCli(['doctor', '--resolver', `127.0.0.1:${bind.port}`, ...args]);
    assert.equal(r3.code, 1);
    assert.match(r3.stdout, /✘ missing\.example\.test does not exist[^\n]*\n\s+fix: add missing\.example\.test\. CNAME app\.example\.test\. in the example\.test zone\n/);
  });
});

// doctor against a provider module whose read and checkWrite answers the test sets: no network at all.
describe('dnsfail doctor (scripted provider)', () => {
  const PROVIDER = `export default {
  kind: 'scripted', description: 'answers as its config says', secretKeys: [],
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: false },
  configSchema: { safeParse: (v) => ({ success: true, data: v }) },
  storedTtl: (ttl, cfg) => (cfg.minTtl ? Math.max(cfg.minTtl, ttl) : ttl),
  create(cfg) {
    return {
      async read(ref) {
        if (cfg.readError) throw Object.assign(new Error(cfg.readError.message), { kind: cfg.readError.kind });
        return cfg.answers?.[ref.name] ?? cfg.answer ?? null;
      },
      async write() {},
      ...(cfg.refuseWrite === undefined ? {} : { async checkWrite() { if (cfg.refuseWrite) throw Object.assign(new Error('the key may not update app.example.test'), { kind: 'auth' }); } }),
    };
  },
};
`;
  const run = (provider: Record<string, unknown>, ttl = 30, extra: { alias?: string; args?: string[] } = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-doctor-'));
    writeFileSync(join(dir, 'scripted.js'), PROVIDER);
    const cfg = join(dir, 'dnsfail.yaml');
    writeFileSync(
      cfg,
      `providers:\n  p: ${JSON.stringify({ type: './scripted.js', ...provider })}\nrecords:\n  - name: app.example.test\n${extra.alias ? `    alias: ${extra.alias}\n` : ''}    ttl: ${ttl}\n    check: { type: tcp, port: 9 }\n    servers:\n      - { address: 127.0.0.2 }\n`,
    );
    return runCli(['doctor', '-c', cfg, '--state', join(dir, 'state.json'), ...(extra.args ?? [])]);
  };

  it('a name that is a CNAME: refuses with the names to set, exit 1', async () => {
    const r = await run({ answer: { values: [], cname: 'app.cdn.example.test' } });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /✘ app\.example\.test is a CNAME to app\.cdn\.example\.test: set `name:` to app\.cdn\.example\.test and `alias:` to app\.example\.test/);
    assert.doesNotMatch(r.stdout, /everything holds/);
  });

  it('a key that can read but not update is a ✘ with a fix; one that can update is a ✔', async () => {
    const refused = await run({ answer: { values: ['127.0.0.2'], ttl: 30 }, refuseWrite: true });
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stdout, /✘ the credentials may not update this record: the key may not update app\.example\.test\n\s+fix: check the credentials/);
    assert.doesNotMatch(refused.stdout, /everything holds/);
    const allowed = await run({ answer: { values: ['127.0.0.2'], ttl: 30 }, refuseWrite: false });
    assert.equal(allowed.code, 0, allowed.stdout);
    assert.match(allowed.stdout, /✔ the credentials may update this record/);
    assert.match(allowed.stdout, /everything holds/);
  });

  it('an address that is not in the server queue is a foreign value (✘ with the fix)', async () => {
    const r = await run({ answer: { values: ['127.0.0.2', '192.0.2.99'], ttl: 30 } });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /✘ the record holds 192\.0\.2\.99, which is not in the server queue[^\n]*\n\s+fix: /);
  });

  it('no DNS server answers for the alias: the alias is read through the provider', async () => {
    const closed = await freeUdpPort();
    const answers = { 'app.example.test': { values: ['127.0.0.2'], ttl: 30 }, 'www.example.test': { values: [], cname: 'app.example.test' } };
    const r = await run({ answers }, 30, { alias: 'www.example.test', args: ['--resolver', `127.0.0.1:${closed}`] });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /✔ www\.example\.test is a CNAME to app\.example\.test \(read through the provider; no DNS server answered\)/);
    assert.match(r.stdout, /www\.example\.test → CNAME → app\.example\.test → A 127\.0\.0\.2/);
  });

  it('each provider error kind gets its own fix line', async () => {
    const cases = [
      { kind: 'auth', message: 'the token was refused (403)', fix: /fix: check the credentials and their permissions/ },
      { kind: 'fatal', message: 'app.example.test is not inside zone example.org (powerdns zone setting)', fix: /fix: the record name must end in the zone/ },
      { kind: 'fatal', message: 'no zone on PowerDNS server "localhost" contains app.example.test (create it, or set zone:)', fix: /fix: check the spelling of the zone/ },
    ];
    for (const c of cases) {
      const r = await run({ readError: { kind: c.kind, message: c.message } });
      assert.equal(r.code, 1, r.stdout);
      assert.ok(r.stdout.includes(`✘ the provider read failed: ${c.message}`), r.stdout);
      assert.match(r.stdout, c.fix);
    }
  });

  it('a live TTL that differs from the config is a ✘: check corrects it', async () => {
    const r = await run({ answer: { values: ['127.0.0.2'], ttl: 3600 } });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /✘ the record has TTL 3600, the config says 30\n\s+fix: run dnsfail check: it corrects the TTL/);
  });

  it('a TTL the provider clamps: the clamped value is what in sync means, and doctor says so', async () => {
    const r = await run({ answer: { values: ['127.0.0.2'], ttl: 60 }, minTtl: 60 });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /note: app\.example\.test A: ttl 30 is stored as 60 by scripted, so 60 is what "in sync" means/);
    assert.doesNotMatch(r.stdout, /the record has TTL/);
  });
});

/** A loopback UDP port with nothing listening on it (bound, noted, closed). */
function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  return new Promise((resolve) => sock.bind(0, '127.0.0.1', () => {
    const { port } = sock.address();
    sock.close(() => resolve(port));
  }));
}
