import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startHttpTarget, type Target } from '../helpers/targets.js';

// The config's `state:` key, what status and unlock say about the state file, holds, GitHub Actions errors.

function workdir(port: number, extra = '') {
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-state-'));
  const zone = join(dir, 'example.test.zone');
  const cfg = join(dir, 'dnsfail.yaml');
  writeFileSync(
    cfg,
    `${extra}providers:
  local: { type: zonefile, file: ${JSON.stringify(zone)}, zone: example.test }
records:
  - name: app.example.test
    fall: 1
    rise: 1
    check: { type: http, port: ${port}, path: /health, timeout: 700ms }
    servers:
      - { address: 127.0.0.2, label: primary }
`,
  );
  // XDG_STATE_HOME points elsewhere, so a run that ignored the `state:` key would write there.
  const xdg = join(dir, 'xdg');
  return { dir, zone, cfg, xdg, env: { XDG_STATE_HOME: xdg } };
}

/** A backoff in force for the record, added to the state file a run wrote. */
function addBackoff(statePath: string): void {
  const s = JSON.parse(readFileSync(statePath, 'utf8'));
  const until = new Date(Date.now() + 3600_000).toISOString();
  s.holds = { 'local/app.example.test/A': { kind: 'backoff', code: '429', message: 'write failed: rate limited', since: new Date().toISOString(), until } };
  writeFileSync(statePath, JSON.stringify(s));
}

describe('state: key, status, unlock', () => {
  let target: Target;
  before(async () => {
    target = await startHttpTarget({ host: '127.0.0.2' });
  });
  after(() => target.close());

  it('check, status and unlock share the state file the config names (relative to the config), and say which', async () => {
    const w = workdir(target.port, 'state: ./var/state.json\n');
    const statePath = join(w.dir, 'var', 'state.json');
    const other = mkdtempSync(join(tmpdir(), 'dnsfail-cwd-'));
    const r = await runCli(['check', '-c', w.cfg], { env: w.env, cwd: other });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(statePath), 'the state is where the config says');
    assert.ok(!existsSync(w.xdg), 'not at the default place');
    const st = await runCli(['status', '-c', w.cfg], { env: w.env, cwd: other });
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, new RegExp(`state file: ${statePath.replace(/[.]/g, '\\.')}`));
    assert.match(st.stdout, /\* up\s+127\.0\.0\.2 \(primary\)\s+\S+\s+ok ×1/);
    assert.equal(JSON.parse((await runCli(['status', '--json', '-c', w.cfg], { env: w.env })).stdout).statePath, statePath);
    const un = await runCli(['unlock', '-c', w.cfg], { env: w.env, cwd: other });
    assert.equal(un.code, 0, un.stderr);
    assert.match(un.stdout, new RegExp(`state file: ${statePath.replace(/[.]/g, '\\.')}`));
    // --state still wins over the key.
    const explicit = join(w.dir, 'explicit.json');
    assert.equal((await runCli(['check', '-c', w.cfg, '--state', explicit], { env: w.env })).code, 0);
    assert.ok(existsSync(explicit));
  });

  it('status after a failed read says the value is unknown, never that the record is missing', async () => {
    const w = workdir(target.port);
    const statePath = join(w.dir, 'state.json');
    mkdirSync(w.zone); // the zone file is a directory: every read fails, and there is no published value yet
    const st = await runCli(['status', '-c', w.cfg, '--state', statePath], { env: w.env });
    assert.match(st.stdout, /app\.example\.test A  \(unknown\)  from state \(provider read failed\)/);
    assert.doesNotMatch(st.stdout, /missing/);
    const json = JSON.parse((await runCli(['status', '--json', '-c', w.cfg, '--state', statePath], { env: w.env })).stdout);
    assert.equal(json.records[0].currentFrom, 'state (provider read failed)');
    assert.equal(json.records[0].current, null);
  });

  it('status shows a CNAME at the managed name as a CNAME, not as a missing record', async () => {
    const w = workdir(target.port);
    writeFileSync(w.zone, '$ORIGIN example.test.\n$TTL 60\n@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n@ IN NS ns1\nns1 IN A 127.0.0.1\napp IN CNAME lb.example.net.\n');
    const st = await runCli(['status', '-c', w.cfg, '--state', join(w.dir, 'state.json')], { env: w.env });
    assert.match(st.stdout, /app\.example\.test A  CNAME to lb\.example\.net  from provider/);
  });

  it('unlock of a name that is not configured says so and exits 2', async () => {
    const w = workdir(target.port);
    const r = await runCli(['unlock', 'ap.example.test', '-c', w.cfg, '--state', join(w.dir, 's.json')], { env: w.env });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /ap\.example\.test is not a record in .*dnsfail\.yaml/);
    assert.match(r.stderr, /configured: app\.example\.test/);
  });

  it('a backoff prints the exact unlock command; status reads nothing from the provider during it', async () => {
    const w = workdir(target.port);
    const statePath = join(w.dir, 'my state.json');
    assert.equal((await runCli(['check', '-c', w.cfg, '--state', statePath], { env: w.env })).code, 0);
    addBackoff(statePath);
    const r = await runCli(['check', '-c', w.cfg, '--state', statePath], { env: w.env });
    assert.equal(r.code, 1);
    const unlock = `dnsfail unlock app.example.test -c ${w.cfg} --state '${statePath}'`;
    assert.ok(r.stderr.includes(`\`${unlock}\` lifts it now`), r.stderr);
    // A zone file that cannot be read: a status that called the provider would report a failed read.
    rmSync(w.zone);
    mkdirSync(w.zone);
    const st = await runCli(['status', '-c', w.cfg, '--state', statePath], { env: w.env });
    assert.equal(st.code, 0, st.stdout + st.stderr);
    assert.doesNotMatch(st.stderr, /read failed/);
    assert.match(st.stdout, /from state \(provider on hold\)/);
    assert.ok(st.stdout.includes(unlock), st.stdout);
    const un = await runCli(['unlock', 'app.example.test', '-c', w.cfg, '--state', statePath], { env: w.env });
    assert.equal(un.code, 0, un.stderr);
    assert.match(un.stdout, /lifted local\/app\.example\.test\/A/);
  });
});

describe('GitHub Actions: a run that fails before it has a report', () => {
  it('an empty secret: exit-code output, ::error:: annotation and a summary that says the variable is empty', async () => {
    const w = workdir(8080);
    writeFileSync(w.cfg, readFileSync(w.cfg, 'utf8').replace(`file: ${JSON.stringify(w.zone)}`, 'file: "${ZONE_FILE}"'));
    const summary = join(w.dir, 'summary.md');
    const output = join(w.dir, 'output.txt');
    const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output, ZONE_FILE: '' };
    const r = await runCli(['check', '-c', w.cfg, '--state', join(w.dir, 's.json')], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /environment variable ZONE_FILE is empty/);
    assert.match(r.stdout, /^::error title=dnsfail failed::.*environment variable ZONE_FILE is empty/m);
    assert.match(readFileSync(output, 'utf8'), /^exit-code=2$/m);
    assert.match(readFileSync(summary, 'utf8'), /environment variable ZONE_FILE is empty/);
  });

  it('a variable that is not set at all is still "not set"', async () => {
    const w = workdir(8080);
    writeFileSync(w.cfg, readFileSync(w.cfg, 'utf8').replace(`file: ${JSON.stringify(w.zone)}`, 'file: "${ZONE_FILE}"'));
    const r = await runCli(['validate', '-c', w.cfg]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /environment variable ZONE_FILE is not set/);
  });
});
