import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeDyndns2, type FakeDyndns2 } from '../fakes/dyndns2.js';
import { runCli } from '../helpers/cli.js';
import { startHttpTarget, startLiveBackup, type Target } from '../helpers/targets.js';

// The built binary with the dyndns2 provider (No-IP preset pointed at the loopback fake): the record
// fails over from a dead server (127.0.0.2, nothing listening on the port) to a live one (127.0.0.3),
// the fake then holds the live one, and a second run makes no update. A badauth answer locks the
// record out until `dnsfail unlock`.

const USER = 'ops@example.test';
const PASSWORD = 'e2e-dyndns2-Secret-77';
const ENV = { NOIP_USER: USER };

describe('dnsfail check with the dyndns2 provider (built binary, loopback fake)', () => {
  let fake: FakeDyndns2;
  let live: Target;
  let dir: string;
  let seq = 0;

  before(async () => {
    fake = await startFakeDyndns2({ accounts: [{ username: USER, password: PASSWORD, zones: ['dyn.example.test'] }], dns: true });
    live = await startLiveBackup();
    dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-dyndns2-'));
  });
  after(async () => {
    await live?.close();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const setup = (opts: { password?: string; resolver?: boolean } = {}) => {
    const label = `case${++seq}`;
    const name = `app-${label}.dyn.example.test`;
    const passwordFile = join(dir, `${label}.password`);
    writeFileSync(passwordFile, `${opts.password ?? PASSWORD}\n`, { mode: 0o600 });
    const configPath = join(dir, `${label}.yaml`);
    writeFileSync(
      configPath,
      `providers:
  dyn:
    type: dyndns2
    preset: noip
    endpoint: ${fake.url}
    username: "\${NOIP_USER}"
    passwordFile: ${JSON.stringify(passwordFile)}
${opts.resolver ? `    resolver: "127.0.0.1:${fake.dnsPort}"\n` : ''}defaults:
  fall: 1
  rise: 1
records:
  - name: ${name}
    provider: dyn
    check: { type: http, port: ${live.port}, path: /health, timeout: 700ms }
    servers:
      - { address: 127.0.0.2, label: primary }
      - { address: 127.0.0.3, label: backup }
`,
    );
    const statePath = join(dir, `${label}.state.json`);
    return { name, args: ['-c', configPath, '--state', statePath], statePath };
  };
  const check = (args: string[]) => runCli(['check', ...args], { env: ENV });
  const updatesDuring = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const before = fake.requests.length;
    const r = await fn();
    return [r, fake.requests.length - before];
  };

  it('validate refuses an AAAA record with the dynv6 preset (IPv4-only endpoint): exit 2, naming the record and the fix', async () => {
    const configPath = join(dir, 'dynv6-aaaa.yaml');
    writeFileSync(
      configPath,
      `providers:
  d6:
    type: dyndns2
    preset: dynv6
    password: token
records:
  - name: v6.example.test
    type: AAAA
    provider: d6
    check: { type: tcp, port: 80 }
    servers: ["2001:db8::1"]
`,
    );
    const r = await runCli(['validate', '-c', configPath], { env: ENV });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /records\[0\]\.type|records\.0\.type/);
    assert.match(r.stderr, /dynv6's \/nic\/update is IPv4-only; .*use type: A/);
  });

  it('fails over from the dead primary to the live backup, then a second run sends nothing', async () => {
    const s = setup();
    const primary = await startHttpTarget({ host: '127.0.0.2', port: live.port });
    let closed = false;
    try {
      const [first, n1] = await updatesDuring(() => check(s.args));
      assert.equal(first.code, 0, first.stderr);
      assert.equal(n1, 1);
      assert.deepEqual(fake.lookup(s.name, 'A'), ['127.0.0.2']);
      await primary.close();
      closed = true;

      const [failover, n2] = await updatesDuring(() => check(s.args));
      assert.equal(failover.code, 0, failover.stderr);
      assert.equal(n2, 1);
      assert.match(failover.stdout, new RegExp(`changed ${s.name.replace(/\./g, '\\.')} A: 127\\.0\\.0\\.2 → 127\\.0\\.0\\.3 \\(127\\.0\\.0\\.2 \\(primary\\) is down`));
      assert.deepEqual(fake.lookup(s.name, 'A'), ['127.0.0.3']);
      const seen = fake.requests.at(-1)!;
      assert.equal(seen.answer, 'good 127.0.0.3');
      assert.deepEqual(seen.query, { hostname: s.name, myip: '127.0.0.3' });
      assert.match(String(seen.headers['user-agent']), /^dnsfail\/\d/);
      assert.equal(seen.headers.authorization, `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`);
      assert.deepEqual(JSON.parse(readFileSync(s.statePath, 'utf8')).records[`${s.name}/A`].published, ['127.0.0.3']);

      const [again, n3] = await updatesDuring(() => check(s.args));
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout + again.stderr, '', 'silent when nothing changed');
      assert.equal(n3, 0, 'no update (it would answer nochg)');
    } finally {
      if (!closed) await primary.close();
    }
  });

  it('extra answer lines for one hostname: the first is the answer, the run succeeds and warns, and nothing is locked out', async () => {
    const s = setup();
    fake.injectAnswer('good 127.0.0.3\ngood 127.0.0.3');
    const r = await check(s.args);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /changed app-case\d+\.dyn\.example\.test A/);
    assert.match(r.stderr, /warning: dyndns2 \(noip\) GET \/nic\/update: answered 2 lines for one hostname \(good, good\); the first is taken as the answer/);
    assert.deepEqual(JSON.parse(readFileSync(s.statePath, 'utf8')).records[`${s.name}/A`].published, ['127.0.0.3']);
    assert.equal(JSON.parse(readFileSync(s.statePath, 'utf8')).holds, undefined);
  });

  it('with a resolver: reads the old address from DNS and fails over from it', async () => {
    const s = setup({ resolver: true });
    fake.setAddress(s.name, 'A', '127.0.0.2');
    const [first, n1] = await updatesDuring(() => check(s.args));
    assert.equal(first.code, 0, first.stderr);
    assert.equal(n1, 1);
    assert.match(first.stdout, /: 127\.0\.0\.2 → 127\.0\.0\.3 /);
    assert.deepEqual(fake.lookup(s.name, 'A'), ['127.0.0.3']);
    const [second, n2] = await updatesDuring(() => check(s.args));
    assert.equal(second.code, 0, second.stderr);
    assert.equal(n2, 0);
  });

  it('badauth: exit 1 naming badauth and `dnsfail unlock`; then no request until unlocked', async () => {
    const wrong = 'e2e-wrong-password-13';
    const s = setup({ password: wrong });
    const [first, n1] = await updatesDuring(() => check(s.args));
    assert.equal(first.code, 1);
    assert.equal(n1, 1, 'not retried');
    assert.match(first.stderr, /badauth/);
    assert.match(first.stderr, /dnsfail unlock/);
    assert.ok(!(first.stdout + first.stderr).includes(wrong), 'the password is not printed');

    const [second, n2] = await updatesDuring(() => check(s.args));
    assert.equal(second.code, 1);
    assert.equal(n2, 0, 'locked out: zero requests');
    assert.match(second.stderr, /locked out .*badauth/);

    const unlock = await runCli(['unlock', ...s.args], { env: ENV });
    assert.equal(unlock.code, 0, unlock.stderr);
    assert.match(unlock.stdout, /lifted/);
    fake.setPassword(USER, wrong); // the account now takes that password (the human fixed it)
    try {
      const [third, n3] = await updatesDuring(() => check(s.args));
      assert.equal(third.code, 0, third.stderr);
      assert.equal(n3, 1);
      assert.deepEqual(fake.lookup(s.name, 'A'), ['127.0.0.3']);
    } finally {
      fake.setPassword(USER, PASSWORD);
    }
  });
});
