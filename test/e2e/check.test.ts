import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCa, makeLeaf } from '../helpers/certs.js';
import { runCli } from '../helpers/cli.js';
import { requireTools } from '../helpers/require-tool.js';
import { startHttpTarget, type Target } from '../helpers/targets.js';

interface Setup {
  dir: string;
  configPath: string;
  zoneFile: string;
  statePath: string;
  args: string[];
}

function setup(config: (zoneFile: string) => string): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-'));
  const zoneFile = join(dir, 'example.test.zone');
  const configPath = join(dir, 'dnsfail.yaml');
  const statePath = join(dir, 'state.json');
  writeFileSync(configPath, config(zoneFile));
  return { dir, configPath, zoneFile, statePath, args: ['-c', configPath, '--state', statePath] };
}

const zoneA = (zoneFile: string) =>
  readFileSync(zoneFile, 'utf8')
    .split('\n')
    .filter((l) => /^app\.example\.test\.\s/.test(l))
    .map((l) => l.split(/\s+/).pop());

function basicConfig(port: number, extra = '', check = `{ type: http, port: ${port}, path: /health, timeout: 700ms }`) {
  return (zoneFile: string) => `providers:
  local: { type: zonefile, file: ${JSON.stringify(zoneFile)}, zone: example.test }
defaults:
  fall: 1
  rise: 1
records:
  - name: app.example.test
    alias: www.example.test
    ttl: 30
    check: ${check}
${extra}    servers:
      - { address: 127.0.0.2, label: primary }
      - { address: 127.0.0.3, label: backup }
`;
}

describe('dnsfail check (built binary, loopback targets, real zone file)', () => {
  let primary: Target;
  let backup: Target;
  before(async () => {
    primary = await startHttpTarget({ host: '127.0.0.2' });
    backup = await startHttpTarget({ host: '127.0.0.3', port: primary.port });
  });
  after(async () => {
    await primary.close();
    await backup.close();
  });

  it('creates the record, then a second run is silent and writes nothing', async () => {
    primary.setMode('ok');
    const s = setup(basicConfig(primary.port));
    const first = await runCli(['check', ...s.args]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /changed app\.example\.test A: \(missing\) → 127\.0\.0\.2/);
    assert.deepEqual(zoneA(s.zoneFile), ['127.0.0.2']);
    const mtime = statSync(s.zoneFile).mtimeMs;
    const second = await runCli(['check', ...s.args]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout + second.stderr, '', 'cron-friendly: nothing printed when nothing changed');
    assert.equal(statSync(s.zoneFile).mtimeMs, mtime, 'no write when in sync');
    const verbose = await runCli(['check', '-v', ...s.args]);
    assert.match(verbose.stdout, /in sync app\.example\.test A: 127\.0\.0\.2/);
    assert.match(verbose.stdout, /up\s+127\.0\.0\.3 \(backup\)\s+ok \d+ms/);
  });

  it('fails over from a dead primary to the backup and says why', async () => {
    const s = setup(basicConfig(primary.port));
    primary.setMode('ok');
    assert.equal((await runCli(['check', ...s.args])).code, 0);
    await primary.close();
    try {
      const r = await runCli(['check', ...s.args]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /changed app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3 \(127\.0\.0\.2 \(primary\) is down \(connect ECONNREFUSED\)/);
      assert.deepEqual(zoneA(s.zoneFile), ['127.0.0.3']);
      const state = JSON.parse(readFileSync(s.statePath, 'utf8'));
      assert.equal(state.records['app.example.test/A'].servers['127.0.0.2'].state, 'down');
      assert.deepEqual(state.records['app.example.test/A'].published, ['127.0.0.3']);
      assert.equal(statSync(s.statePath).mode & 0o777, 0o600);
    } finally {
      primary = await startHttpTarget({ host: '127.0.0.2', port: backup.port });
    }
  });

  it('a slow primary times out within its deadline and the backup is published', async () => {
    const s = setup(basicConfig(primary.port));
    primary.setMode('hang');
    try {
      const r = await runCli(['check', '--json', ...s.args]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout);
      const rec = report.records[0];
      assert.deepEqual(rec.desired, ['127.0.0.3']);
      assert.equal(rec.servers[0].healthy, false);
      assert.match(rec.servers[0].error, /timeout after 700ms/);
      assert.ok(report.durationMs < 700 * 2, `run took ${report.durationMs}ms for a 700ms probe timeout`);
    } finally {
      primary.setMode('ok');
    }
  });

  it('--json prints the documented machine report', async () => {
    const s = setup(basicConfig(primary.port));
    const r = await runCli(['check', '--json', ...s.args]);
    const report = JSON.parse(r.stdout);
    const rec = report.records[0];
    for (const key of ['name', 'type', 'current', 'desired', 'changed', 'reason', 'servers']) assert.ok(key in rec, key);
    // The documented keys; `detail` (what a healthy probe saw, "HTTP 200") and the probe counts were added later.
    assert.deepEqual(Object.keys(rec.servers[0]).sort(), ['address', 'detail', 'error', 'healthy', 'label', 'latencyMs', 'probeGapsMs', 'probes', 'state']);
    assert.equal(rec.changed, true);
    assert.equal(rec.servers[1].label, 'backup');
  });

  it('--dry-run prints the plan and writes neither the zone file nor the state', async () => {
    const s = setup(basicConfig(primary.port));
    const r = await runCli(['check', '--dry-run', ...s.args]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /would change app\.example\.test A: \(missing\) → 127\.0\.0\.2/);
    assert.match(r.stdout, /dry run: nothing was written/);
    assert.equal(existsSync(s.zoneFile), false);
    assert.equal(existsSync(s.statePath), false);
  });

  it('-v shows the HTTP status a healthy probe got: a redirect counted healthy is visible', async () => {
    const s = setup(basicConfig(primary.port));
    primary.setMode('redirect');
    try {
      const r = await runCli(['check', '-v', ...s.args]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /up\s+127\.0\.0\.2 \(primary\)\s+ok \d+ms \(HTTP 302\)/);
      const j = JSON.parse((await runCli(['check', '--json', ...s.args])).stdout);
      assert.equal(j.records[0].servers[0].detail, 'HTTP 302');
    } finally {
      primary.setMode('ok');
    }
  });

  it('all servers down: keeps the record and exits 3', async () => {
    const s = setup(basicConfig(primary.port));
    assert.equal((await runCli(['check', ...s.args])).code, 0);
    primary.setMode('fail');
    backup.setMode('fail');
    try {
      const r = await runCli(['check', ...s.args]);
      assert.equal(r.code, 3);
      assert.match(r.stderr, /all down app\.example\.test A: no server is up; keeping the record as it is/);
      assert.deepEqual(zoneA(s.zoneFile), ['127.0.0.2']);
    } finally {
      primary.setMode('ok');
      backup.setMode('ok');
    }
  });

  it('https: a certificate that matches only the alias is healthy because the alias is sent as SNI', async (t) => {
    if (!requireTools(t, ['openssl'], 'apt-get install openssl')) return;
    const ca = makeCa();
    const leaf = makeLeaf(ca, { dnsNames: ['www.example.test'] });
    const tlsPrimary = await startHttpTarget({ host: '127.0.0.2', tls: leaf });
    try {
      const check = `{ type: https, port: ${tlsPrimary.port}, path: /health, timeout: 1s, caFile: ${JSON.stringify(ca.certFile)} }`;
      const good = setup(basicConfig(0, '', check));
      const r = await runCli(['check', '--json', ...good.args]);
      const rec = JSON.parse(r.stdout).records[0];
      assert.equal(rec.servers[0].healthy, true, rec.servers[0].error);
      assert.deepEqual(rec.desired, ['127.0.0.2']);
      assert.equal(tlsPrimary.requests.at(-1)?.servername, 'www.example.test');
      assert.equal(tlsPrimary.requests.at(-1)?.headers.host, `www.example.test:${tlsPrimary.port}`);

      // Without the alias the record name is used for SNI, and the certificate does not match it.
      const bad = setup((z) => basicConfig(0, '', check)(z).replace('    alias: www.example.test\n', ''));
      const r2 = await runCli(['check', '--json', ...bad.args]);
      const rec2 = JSON.parse(r2.stdout).records[0];
      assert.equal(rec2.servers[0].healthy, false);
      assert.match(rec2.servers[0].error, /TLS/);
    } finally {
      await tlsPrimary.close();
    }
  });

  it('the written zone file passes named-checkzone', async (t) => {
    const tools = requireTools(t, ['named-checkzone'], 'apt-get install bind9-utils');
    if (!tools) return;
    const s = setup(basicConfig(primary.port));
    assert.equal((await runCli(['check', ...s.args])).code, 0);
    const out = execFileSync(tools['named-checkzone']!, ['example.test', s.zoneFile], { encoding: 'utf8' });
    assert.match(out, /OK/);
  });

  it('a bad config exits 2, names the path and line, and changes nothing', async () => {
    const s = setup(basicConfig(primary.port));
    assert.equal((await runCli(['check', ...s.args])).code, 0);
    const zoneBefore = readFileSync(s.zoneFile, 'utf8');
    const stateBefore = readFileSync(s.statePath, 'utf8');
    const hitsBefore = primary.hits + backup.hits;
    writeFileSync(s.configPath, basicConfig(primary.port)(s.zoneFile).replace('address: 127.0.0.3', 'address: "::1"'));
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /dnsfail\.yaml:13: records\[0\]\.servers\[1\]\.address: ::1 is an IPv6 address but the record type is A/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(readFileSync(s.zoneFile, 'utf8'), zoneBefore);
    assert.equal(readFileSync(s.statePath, 'utf8'), stateBefore);
    assert.equal(primary.hits + backup.hits, hitsBefore, 'nothing was probed');
  });

  it('a run that finds the state locked by a live process exits 1 with a clear message and writes nothing', async () => {
    const s = setup(basicConfig(primary.port));
    writeFileSync(`${s.statePath}.lock`, JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), since: 'now' }));
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`another dnsfail run holds the state lock \\(pid ${process.pid}`));
    assert.equal(existsSync(s.zoneFile), false);
  });

  it('a lock left by a dead process is broken', async () => {
    const s = setup(basicConfig(primary.port));
    writeFileSync(`${s.statePath}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), since: 'then' }));
    const r = await runCli(['check', ...s.args]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(`${s.statePath}.lock`), false);
  });
});

describe('dnsfail CLI basics', () => {
  it('--help documents the commands and exit codes', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    for (const cmd of ['check', 'status', 'validate', 'schema', 'demo']) assert.match(r.stdout, new RegExp(`dnsfail ${cmd}`));
    assert.match(r.stdout, /3\s+a record has no healthy server/);
  });

  it('an unknown command or option is a usage error (exit 2)', async () => {
    const r = await runCli(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error:/);
    const r2 = await runCli(['check', '--frob']);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /Unknown argument/);
  });

  it('a missing config file is exit 2 with the places searched', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dnsfail-empty-'));
    const r = await runCli(['check'], { cwd, env: { XDG_CONFIG_HOME: cwd } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no config file found \(looked in: .*dnsfail\.yaml/);
  });

  it('validate checks the config without probing; schema prints a JSON Schema', async () => {
    const s = setup(basicConfig(1));
    const v = await runCli(['validate', '-c', s.configPath]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /ok .*1 record\(s\), 2 server\(s\)/);
    const sch = await runCli(['schema']);
    const schema = JSON.parse(sch.stdout);
    assert.equal(schema.type, 'object');
    assert.ok(schema.properties.records);
    assert.ok(JSON.stringify(schema).includes('zonefile'));
  });

  it('colour only when asked: FORCE_COLOR adds ANSI codes, NO_COLOR and --no-color remove them', async () => {
    const s = setup(basicConfig(1));
    const plain = await runCli(['validate', '-c', s.configPath]);
    assert.doesNotMatch(plain.stdout, /\x1b\[/);
    const forced = await runCli(['validate', '-c', s.configPath], { env: { FORCE_COLOR: '1' } });
    assert.match(forced.stdout, /\x1b\[/);
    const noColor = await runCli(['validate', '-c', s.configPath], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    assert.doesNotMatch(noColor.stdout, /\x1b\[/);
    const flag = await runCli(['validate', '--no-color', '-c', s.configPath], { env: { FORCE_COLOR: '1' } });
    assert.doesNotMatch(flag.stdout, /\x1b\[/);
  });

  it('demo runs the embedded default: fails over and back in well under 20 s', async () => {
    const r = await runCli(['demo'], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /127\.0\.0\.2 → 127\.0\.0\.3/);
    assert.match(r.stdout, /127\.0\.0\.3 → 127\.0\.0\.2/);
    assert.ok(r.ms < 20_000);
  });
});

describe('dnsfail status and providers', () => {
  it('status shows the current value from the provider and each server state from the last run, probing nothing', async () => {
    const t = await startHttpTarget({ host: '127.0.0.2' });
    try {
      const s = setup(basicConfig(t.port));
      assert.equal((await runCli(['check', ...s.args])).code, 0);
      const hits = t.hits;
      const r = await runCli(['status', ...s.args]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /app\.example\.test A\s+127\.0\.0\.2\s+from provider, via local/);
      assert.match(r.stdout, /\* up\s+127\.0\.0\.2 \(primary\)\s+\S+\s+ok ×1/);
      assert.match(r.stdout, /down\s+127\.0\.0\.3 \(backup\)\s+\S+\s+failed ×1: connect ECONNREFUSED/);
      assert.match(r.stdout, /last change .*: \(missing\) → 127\.0\.0\.2/);
      assert.equal(t.hits, hits, 'status probes nothing');
      const j = JSON.parse((await runCli(['status', '--json', ...s.args])).stdout);
      assert.deepEqual(j.records[0].current, ['127.0.0.2']);
      assert.equal(j.records[0].servers[1].state, 'down');
    } finally {
      await t.close();
    }
  });

  it('providers lists every built-in kind with its capabilities', async () => {
    const r = await runCli(['providers', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as Array<{ kind: string; capabilities: Record<string, boolean> }>;
    assert.deepEqual(list.find((p) => p.kind === 'zonefile')?.capabilities, { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: true, batch: true, txt: true });
    assert.equal(list.find((p) => p.kind === 'dyndns2')?.capabilities.txt, false, 'txt (optional in the contract) is always listed');
  });

  it('unlock with nothing held says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-unlock-'));
    const r = await runCli(['unlock', '--state', join(dir, 'state.json')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /no lockouts or backoffs/);
  });
});
