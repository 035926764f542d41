import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './cli.js';
import type { ServerMock } from './servermock.js';
import { startHttpTarget, type Target } from './targets.js';
import { writeFailoverConfig } from './failover-config.js';

/** A fake vendor API for the e2e suite below: built on servermock, with the record store seen from outside. */
export interface E2eFake {
  url: string;
  mock: ServerMock;
  /** Adds an A record `label`.example.test holding `value`; its id (0 where the API keeps RRsets, not records). */
  seed(label: string, value: string, ttl: number): number;
  /** [id, value, ttl] of each A record of the name (id 0 for RRsets). */
  held(name: string): [number, string, number][];
  mutations(): number;
  close(): Promise<void>;
}

export interface TokenProviderE2e {
  kind: string;
  /** More lines of the provider's config (default none). */
  providerLines?: string;
  /** The Authorization header the token makes (default `Bearer <token>`). */
  authorization?: (token: string) => string;
  spec: string;
  start(token: string): Promise<E2eFake>;
  newToken(): string;
  /** The TTL the service stores when the config asks for 60. */
  storedTtl60: number;
  /** What stderr says for a rejected token. */
  rejected: RegExp;
}

/**
 * The built CLI against the fake of a provider configured with an API token (DigitalOcean, Linode,
 * Hetzner, deSEC): a failover (in place, for one record per value) and a quiet second run, a create
 * and doctor, and a rejected token. Every request the CLI sent is checked against the vendor's API
 * description.
 */
export function tokenProviderE2e(p: TokenProviderE2e): void {
  const authorization = p.authorization ?? ((t: string) => `Bearer ${t}`);
  const token = p.newToken();
  const envName = `${p.kind.toUpperCase()}_TOKEN`;
  const env = { [envName]: token };

  describe(`dnsfail with type: ${p.kind} (built binary, fake API on loopback)`, () => {
    let fake: E2eFake;
    let live: Target;
    before(async () => {
      fake = await p.start(token);
      // Only 127.0.0.3 listens on this port: 127.0.0.2 (the primary) refuses connections.
      live = await startHttpTarget({ host: '127.0.0.3' });
    });
    after(async () => {
      assert.deepEqual(fake.mock.violations, [], `requests or answers that break ${p.spec}`);
      console.log(`${p.kind} e2e: ${fake.mock.requests.length} requests validated against ${p.spec}`);
      await live.close();
      await fake.close();
    });

    const setup = (name: string, tokenLines = `    token: "\${${envName}}"`) => {
      const dir = mkdtempSync(join(tmpdir(), `dnsfail-e2e-${p.kind}-`));
      return { dir, args: writeFailoverConfig(dir, `  dns:
    type: ${p.kind}
${tokenLines}
    endpoint: ${fake.url}${p.providerLines ? `\n${p.providerLines}` : ''}`, `{ type: http, port: ${live.port}, path: /health, timeout: 700ms }`, name) };
    };

    it(`fails over from the dead primary (TTL 60 stored as ${p.storedTtl60}), then holds the record with no write`, async () => {
      const id = fake.seed('app', '127.0.0.2', 300);
      const s = setup('app.example.test');
      const start = fake.mock.requests.length;
      const first = await runCli(['check', ...s.args], { env });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /changed app\.example\.test A: 127\.0\.0\.2 → 127\.0\.0\.3 \(127\.0\.0\.2 \(primary\) is down/);
      assert.deepEqual(fake.held('app.example.test'), [[id, '127.0.0.3', p.storedTtl60]]);

      const mutations = fake.mutations();
      const second = await runCli(['check', ...s.args], { env });
      assert.equal(second.code, 0, second.stderr);
      assert.equal(second.stdout + second.stderr, '', 'silent when in sync');
      assert.equal(fake.mutations(), mutations, 'no mutating request on the second run');
      for (const r of fake.mock.requests.slice(start)) {
        assert.equal(r.headers.authorization, authorization(token));
        assert.match(String(r.headers['user-agent']), /^dnsfail\//);
      }
      for (const out of [first, second]) assert.ok(!(out.stdout + out.stderr).includes(token));
    });

    it('creates a missing record, and doctor then checks the credentials by a read', async () => {
      const s = setup('new.example.test');
      const check = await runCli(['check', ...s.args], { env });
      assert.equal(check.code, 0, check.stderr);
      assert.deepEqual(fake.held('new.example.test').map(([, value]) => value), ['127.0.0.3']);
      const doctor = await runCli(['doctor', '--interval', '1m', ...s.args], { env });
      assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
      assert.match(doctor.stdout, /credentials work: the provider answered a read/);
      assert.match(doctor.stdout, new RegExp(`the record exists: 127\\.0\\.0\\.3 \\(TTL ${p.storedTtl60}\\)`));
      if (p.storedTtl60 !== 60) assert.match(doctor.stdout, new RegExp(`note: new\\.example\\.test A: ttl 60 is stored as ${p.storedTtl60} by ${p.kind}`));
      assert.match(doctor.stdout, /everything holds/);
    });

    it('a rejected token (from tokenFile): exit 1, one line naming the fix, no stack, the token nowhere', async () => {
      const wrong = p.newToken();
      const s = setup('app.example.test', '    tokenFile: ./token');
      writeFileSync(join(s.dir, 'token'), `${wrong}\n`, { mode: 0o600 });
      const r = await runCli(['check', ...s.args]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, p.rejected);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
      assert.ok(!(r.stdout + r.stderr).includes(wrong));
      assert.ok(!readFileSync(join(s.dir, 'state.json'), 'utf8').includes(wrong));
      const doctor = await runCli(['doctor', '--interval', '1m', ...s.args]);
      assert.equal(doctor.code, 1);
      assert.match(doctor.stdout, /the provider read failed: .*HTTP 401.*\n\s+fix: check the credentials/);
    });
  });
}
