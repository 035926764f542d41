import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { runCli, startCli } from '../helpers/cli.js';
import { startReceiver } from '../helpers/receiver.js';
import { primaryAndBackup } from '../helpers/targets.js';

function workdir(config: (zone: string) => string) {
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-watch-'));
  const zone = join(dir, 'example.test.zone');
  const cfg = join(dir, 'dnsfail.yaml');
  writeFileSync(cfg, config(zone));
  return { dir, zone, cfg, state: join(dir, 'state.json'), args: ['-c', cfg, '--state', join(dir, 'state.json')] };
}

const recordConfig = (zone: string, port: number, opts: { notify?: string; ping?: string; timeout?: string; fall?: number } = {}) => `providers:
  local: { type: zonefile, file: ${JSON.stringify(zone)}, zone: example.test }
${opts.notify ?? ''}${opts.ping ?? ''}records:
  - name: app.example.test
    fall: ${opts.fall ?? 2}
    rise: 1
    check: { type: http, port: ${port}, path: /health, timeout: ${opts.timeout ?? '500ms'} }
    servers:
      - { address: 127.0.0.2, label: primary }
      - { address: 127.0.0.3, label: backup }
`;

describe('dnsfail watch', () => {
  const targets = primaryAndBackup({ before, after });

  it('runs cycle after cycle, fails over after fall probes, notifies once per change, and exits 0 on SIGTERM with state saved', async () => {
    targets.primary.setMode('ok');
    const hook = await startReceiver();
    const w = workdir((z) => recordConfig(z, targets.primary.port, { notify: `notify:\n  - { type: webhook, url: "${hook.url}/hook", headers: { X-Token: "sentinel-hook-token" } }\n` }));
    const cli = startCli(['watch', '--interval', '1s', '--metrics-file', join(w.dir, 'm.prom'), ...w.args]);
    try {
      await cli.waitFor(/changed|→ 127\.0\.0\.2/);
      targets.primary.setMode('fail');
      await cli.waitFor(/127\.0\.0\.2 → 127\.0\.0\.3/, 10_000);
      const runsAfterFailover = cli.lines.filter((l) => /run finished/.test(l)).length;
      // fastInterval confirms the failure inside one run, so the failover may come in the second run.
      while (cli.lines.filter((l) => /run finished/.test(l)).length < Math.max(runsAfterFailover + 2, 4)) await new Promise((r) => setTimeout(r, 100));
      cli.signal('SIGTERM');
      assert.equal(await cli.exited, 0);
    } finally {
      targets.primary.setMode('ok');
      await hook.close();
    }
    const runs = cli.lines.filter((l) => /run finished/.test(l)).length;
    assert.ok(runs >= 4, `several cycles ran (${runs})`);
    const bodies = hook.received.map((r) => JSON.parse(r.body));
    assert.deepEqual(bodies.map((b) => [b.event, b.old, b.new]), [
      ['change', null, ['127.0.0.2']],
      ['change', ['127.0.0.2'], ['127.0.0.3']],
    ], 'exactly one notification per change, none for in-sync runs');
    assert.equal(hook.received[1]!.headers['x-token'], 'sentinel-hook-token');
    assert.match(bodies[1].reason, /127\.0\.0\.2 \(primary\) is down/);
    assert.equal(bodies[1].servers.length, 2);
    const state = JSON.parse(readFileSync(w.state, 'utf8'));
    assert.deepEqual(state.records['app.example.test/A'].published, ['127.0.0.3']);
    assert.equal(state.records['app.example.test/A'].failovers, 1);
    assert.ok(!cli.lines.join('\n').includes('sentinel-hook-token'), 'header secrets are never printed');
  });

  it('SIGTERM during a run lets the run finish, saves state and exits 0', async () => {
    targets.primary.setMode('hang');
    const w = workdir((z) => recordConfig(z, targets.primary.port, { timeout: '1500ms' }));
    const cli = startCli(['watch', '--interval', '10s', ...w.args]);
    try {
      await cli.waitFor(/watching 1 record/);
      await new Promise((r) => setTimeout(r, 300));
      cli.signal('SIGTERM');
      await cli.waitFor(/finishing the run in progress/);
      assert.equal(await cli.exited, 0);
    } finally {
      targets.primary.setMode('ok');
    }
    assert.ok(cli.lines.some((l) => /run finished/.test(l)), cli.lines.join('\n'));
    const state = JSON.parse(readFileSync(w.state, 'utf8'));
    assert.deepEqual(state.records['app.example.test/A'].published, ['127.0.0.3']);
  });

  it('SIGHUP with a broken config keeps running on the old one; a fixed config is picked up', async () => {
    const w = workdir((z) => recordConfig(z, targets.primary.port));
    const good = readFileSync(w.cfg, 'utf8');
    const cli = startCli(['watch', '--interval', '1s', '--log-format', 'json', ...w.args]);
    try {
      await cli.waitFor(/"event":"run"/);
      writeFileSync(w.cfg, good.replace('fall: 2', 'fall: zero'));
      cli.signal('SIGHUP');
      const failed = JSON.parse(await cli.waitFor(/"event":"reload-failed"/));
      assert.equal(failed.level, 'error');
      assert.match(failed.message, /keeping the previous config: .*records\[0\]\.fall/);
      const before = cli.lines.filter((l) => /"event":"run"/.test(l)).length;
      while (cli.lines.filter((l) => /"event":"run"/.test(l)).length < before + 2) await new Promise((r) => setTimeout(r, 100));
      writeFileSync(w.cfg, good);
      cli.signal('SIGHUP');
      await cli.waitFor(/"event":"reload".*config reloaded/);
      for (const l of cli.lines) JSON.parse(l); // every line is one JSON object
    } finally {
      cli.signal('SIGTERM');
      assert.equal(await cli.exited, 0);
    }
  });

  it('--listen serves /metrics and /healthz', async () => {
    const w = workdir((z) => recordConfig(z, targets.primary.port));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const cli = startCli(['watch', '--interval', '1s', '--listen', `127.0.0.1:${port}`, ...w.args]);
    try {
      await cli.waitFor(/run finished/);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const families = parsePrometheusTextFormat(metrics);
      const up = families.find((f) => f.name === 'dnsfail_server_up');
      assert.ok(up, metrics);
      assert.ok(families.some((f) => f.name === 'dnsfail_runs_total'));
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { status: string }).status, 'ok');
    } finally {
      cli.signal('SIGTERM');
      await cli.exited;
    }
  });

  it('refuses --interval with --schedule, and a bad cron line, with exit 2', async () => {
    const w = workdir((z) => recordConfig(z, targets.primary.port));
    const both = await runCli(['watch', '--interval', '5s', '--schedule', '* * * * *', ...w.args]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /either --interval or --schedule/);
    const bad = await runCli(['watch', '--schedule', '61 * * * *', ...w.args]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a valid cron expression/);
  });
});

describe('check: metrics file, ping, GitHub Actions mode', () => {
  const targets = primaryAndBackup({ before, after });

  it('--metrics-file writes Prometheus text that parses, with per-server and per-record series', async () => {
    const w = workdir((z) => recordConfig(z, targets.primary.port));
    const file = join(w.dir, 'dnsfail.prom');
    const r = await runCli(['check', '--metrics-file', file, ...w.args]);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(file, 'utf8');
    const families = parsePrometheusTextFormat(text);
    const byName = new Map(families.map((f) => [f.name, f]));
    const up = byName.get('dnsfail_server_up')!;
    assert.deepEqual(up.metrics.map((m) => [m.labels?.address, m.value]), [['127.0.0.2', '1'], ['127.0.0.3', '1']]);
    assert.equal(byName.get('dnsfail_record_published_info')!.metrics[0]!.labels?.value, '127.0.0.2');
    for (const name of ['dnsfail_server_probe_latency_seconds', 'dnsfail_server_consecutive_failures', 'dnsfail_record_last_change_timestamp_seconds', 'dnsfail_record_failovers_total', 'dnsfail_last_run_exit_code']) {
      assert.ok(byName.has(name), name);
    }
  });

  it('ping: /start before the run, the URL after success, /fail when a record has no healthy server', async () => {
    const rx = await startReceiver();
    try {
      const w = workdir((z) => recordConfig(z, targets.primary.port, { ping: `ping: { url: "${rx.url}/ping/abc" }\n`, fall: 1 }));
      assert.equal((await runCli(['check', ...w.args])).code, 0);
      targets.primary.setMode('fail');
      targets.backup.setMode('fail');
      assert.equal((await runCli(['check', ...w.args])).code, 3);
      assert.deepEqual(rx.received.map((r) => r.path), ['/ping/abc/start', '/ping/abc', '/ping/abc/start', '/ping/abc/fail']);
      assert.match(rx.received[3]!.body, /app\.example\.test A: all-down/);
    } finally {
      targets.primary.setMode('ok');
      targets.backup.setMode('ok');
      await rx.close();
    }
  });

  it('a failing notifier is reported and does not undo or block the change', async () => {
    const hook = await startReceiver(500);
    try {
      const w = workdir((z) => recordConfig(z, targets.primary.port, { notify: `notify:\n  - { type: slack, url: "${hook.url}/services/T000/B000/sentinelslacksecret" }\n` }));
      const r = await runCli(['check', ...w.args]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /warning: notify\[0\] \(slack\) failed for app\.example\.test change: HTTP 500/);
      assert.ok(hook.received.length >= 1);
      assert.match(JSON.parse(hook.received[0]!.body).text, /DNS failover: app\.example\.test A/);
      assert.ok(readFileSync(w.zone, 'utf8').includes('127.0.0.2'));
      assert.ok(!(r.stdout + r.stderr).includes('sentinelslacksecret'));
    } finally {
      await hook.close();
    }
  });

  it('-v prints the per-server lines that check -v prints, with the HTTP status of a healthy probe', async () => {
    const w = workdir((z) => recordConfig(z, targets.primary.port, { fall: 1 }));
    const r = await runCli(['watch', '-v', '--interval', '1s', '--max-runs', '1', ...w.args]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /app\.example\.test A\s+up\s+127\.0\.0\.2 \(primary\)\s+ok \d+ms \(HTTP 200\)/);
    assert.match(r.stdout, /app\.example\.test A\s+up\s+127\.0\.0\.3 \(backup\)\s+ok \d+ms \(HTTP 200\)/);
    const check = await runCli(['check', '-v', ...w.args]);
    assert.match(check.stdout, /up\s+127\.0\.0\.2 \(primary\)\s+ok \d+ms \(HTTP 200\)/);
  });

  it('GitHub Actions mode: job summary table, ::warning:: on failover, step outputs', async () => {
    const w = workdir((z) => recordConfig(z, targets.primary.port, { fall: 1 }));
    const summary = join(w.dir, 'summary.md');
    const output = join(w.dir, 'output.txt');
    const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output };
    assert.equal((await runCli(['check', ...w.args], { env })).code, 0);
    targets.primary.setMode('fail');
    try {
      const r = await runCli(['check', ...w.args], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^::warning title=DNS failover%3A app\.example\.test::app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3 \(/m);
    } finally {
      targets.primary.setMode('ok');
    }
    const md = readFileSync(summary, 'utf8');
    assert.match(md, /\| record \| type \| was \| now \| result \| why \|/);
    assert.match(md, /\| app\.example\.test \| A \| 127\.0\.0\.2 \| 127\.0\.0\.3 \| change \(written\) \|/);
    const out = readFileSync(output, 'utf8');
    assert.match(out, /changed=true\nexit-code=0\nrecords<<(dnsfail_[0-9a-f]+)\n\[.*\]\n\1\n$/);
    const records = JSON.parse(out.split('\n').at(-3)!);
    assert.deepEqual(records[0].desired, ['127.0.0.3']);
    assert.ok(existsSync(w.state));
  });
});
