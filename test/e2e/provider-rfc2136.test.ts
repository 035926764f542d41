import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBind, type Bind } from '../helpers/bind.js';
import { runCli } from '../helpers/cli.js';
import { dig } from '../helpers/dig.js';
import { findTool } from '../helpers/require-tool.js';
import { startHttpTarget, type Target } from '../helpers/targets.js';

// The built binary against a real BIND 9 with a dynamic zone: the record fails over from a dead
// server (127.0.0.2, nothing listening) to a live one (127.0.0.3), `dig` at BIND sees it, and a second
// run sends no UPDATE. BIND logs `signer "<key>" approved` once per signed UPDATE it accepts; its log
// is the count of mutating requests.

const TOOLS = ['named', 'rndc', 'dig'];
const INSTALL = 'apt-get install bind9 bind9-utils bind9-dnsutils';
const missing = TOOLS.filter((n) => !findTool(n));
const skip = missing.length > 0 && process.env.CI !== 'true' ? `missing ${missing.join(', ')} (install: ${INSTALL})` : false;

const KEY = 'dnsfail-key';
const SECRET = randomBytes(32).toString('base64');

describe('dnsfail check with the rfc2136 provider (built binary, real BIND 9)', { skip }, () => {
  let bind: Bind;
  let live: Target;
  let dir: string;
  const updatesAccepted = () => readFileSync(join(bind.dir, 'named.log'), 'utf8').split('\n').filter((l) => l.includes(`signer "${KEY}" approved`)).length;

  const setup = (secret: string, label: string) => {
    const secretFile = join(dir, `${label}.secret`);
    writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
    const configPath = join(dir, `${label}.yaml`);
    writeFileSync(
      configPath,
      `providers:
  ns:
    type: rfc2136
    server: "127.0.0.1:${bind.port}"
    zone: example.test
    timeout: 2s
    tsig: { name: ${KEY}, algorithm: hmac-sha256, secretFile: ${JSON.stringify(secretFile)} }
defaults:
  fall: 1
  rise: 1
records:
  - name: app.example.test
    ttl: 30
    check: { type: http, port: ${live.port}, path: /health, timeout: 700ms }
    servers:
      - { address: 127.0.0.2, label: primary }
      - { address: 127.0.0.3, label: backup }
`,
    );
    return ['-c', configPath, '--state', join(dir, `${label}.state.json`)];
  };

  before(async () => {
    bind = await startBind({ zone: 'example.test', dynamic: { tsigName: KEY, algorithm: 'hmac-sha256', secret: SECRET } });
    live = await startHttpTarget({ host: '127.0.0.3' });
    dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-rfc2136-'));
  });
  after(async () => {
    await live?.close();
    await bind?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('publishes the live server with one signed UPDATE, then a second run sends none', async () => {
    const args = setup(SECRET, 'ok');
    const validate = await runCli(['validate', ...args]);
    assert.equal(validate.code, 0, validate.stderr);

    const first = await runCli(['check', ...args]);
    assert.equal(first.code, 0, first.stderr + (await bind.log()));
    assert.match(first.stdout, /changed app\.example\.test A: \(missing\) → 127\.0\.0\.3/);
    assert.deepEqual(await dig('127.0.0.1', bind.port, 'app.example.test', 'A'), ['127.0.0.3']);
    assert.equal(updatesAccepted(), 1);

    const second = await runCli(['check', ...args]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout + second.stderr, '', 'nothing printed when nothing changed');
    assert.equal(updatesAccepted(), 1, 'no UPDATE on the second run');
    assert.deepEqual(await dig('127.0.0.1', bind.port, 'app.example.test', 'A'), ['127.0.0.3']);

    const status = await runCli(['status', ...args]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /127\.0\.0\.3/);
    for (const r of [validate, first, second, status]) assert.ok(!(r.stdout + r.stderr).includes(SECRET), 'the secret is never printed');
  });

  it('a wrong secret: exit 1, the error names BADSIG, and the secret is not printed', async () => {
    const wrong = randomBytes(32).toString('base64');
    const before = updatesAccepted();
    const r = await runCli(['check', ...setup(wrong, 'wrong')]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /BADSIG/);
    assert.ok(!(r.stdout + r.stderr).includes(wrong) && !(r.stdout + r.stderr).includes(SECRET));
    assert.equal(updatesAccepted(), before);
  });
});
