import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertConforms, startCloudflareFake, type CloudflareFake } from '../fakes/cloudflare.js';
import { runCli } from '../helpers/cli.js';

/**
 * The smaller messages a new user meets outside the bad-config corpus (built binary): help that lists
 * only what a command uses, `schedule` without its argument, `validate --offline` in a pull request's
 * CI, a rate-limit backoff's real length and an API endpoint that does not answer.
 */

const dir = mkdtempSync(join(tmpdir(), 'dnsfail-small-messages-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('--help lists only the options a command uses', () => {
  const GLOBALS = { config: /--config/, state: /--state/, verbose: /--verbose/, color: /--color/ };
  const rows: Array<{ command: string; lists: Array<keyof typeof GLOBALS | 'offline'>; omits: Array<keyof typeof GLOBALS> }> = [
    { command: 'schedule', lists: [], omits: ['config', 'state', 'verbose', 'color'] },
    { command: 'schema', lists: [], omits: ['config', 'state', 'verbose', 'color'] },
    { command: 'providers', lists: ['color'], omits: ['config', 'state', 'verbose'] },
    { command: 'demo', lists: ['verbose', 'color'], omits: ['config', 'state'] },
    { command: 'validate', lists: ['config', 'verbose', 'offline'], omits: ['state'] },
    // The control: commands that use them still list them.
    { command: 'check', lists: ['config', 'state', 'verbose', 'color'], omits: [] },
    { command: 'status', lists: ['config', 'state'], omits: [] },
  ];
  for (const row of rows) {
    it(`${row.command} --help${row.omits.length ? ` omits ${row.omits.join(', ')}` : ' lists the global options'}`, async () => {
      const r = await runCli([row.command, '--help']);
      assert.equal(r.code, 0, r.stderr);
      for (const o of row.omits) assert.doesNotMatch(r.stdout, GLOBALS[o], `${row.command} --help lists --${o}`);
      for (const o of row.lists) assert.match(r.stdout, o === 'offline' ? /--offline/ : GLOBALS[o]);
    });
  }

  it('demo --help says what -v does there', async () => {
    const r = await runCli(['demo', '--help']);
    assert.match(r.stdout, /-v, --verbose\s+Keep the demo's temporary directory/);
  });

  it('a global option a command ignores is still accepted (scripts that pass --state to every command keep working)', async () => {
    const r = await runCli(['schedule', '0 3 * * *', '--count', '1', '--state', join(dir, 'unused.json'), '-v']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /next 1 run/);
  });
});

describe('schedule without an expression', () => {
  it('says what it needs in one line, exit 2', async () => {
    const r = await runCli(['schedule']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'error: schedule needs a cron expression in quotes, e.g. dnsfail schedule "*/5 * * * *"\n');
  });
});

describe('validate --offline: a pull request checks the config without its secrets', () => {
  const config = (name: string, extra = '') => {
    const sub = join(dir, name);
    mkdirSync(join(sub, 'secrets'), { recursive: true });
    const file = join(sub, 'dnsfail.yaml');
    writeFileSync(
      file,
      `providers:
  cf: { type: cloudflare, token: "\${CF_API_TOKEN}", zoneId: "\${CF_ZONE_ID}" }
  pdns: { type: powerdns, url: "\${PDNS_URL}", apiKeyFile: secrets/pdns-key }
  ns: { type: rfc2136, server: 127.0.0.1, zone: example.test, tsig: { name: dnsfail, secret: "\${TSIG_SECRET}" } }
  dyn: { type: dyndns2, server: "\${DYN_SERVER}", username: dnsfail, password: "\${DYN_PASSWORD}" }
defaults:
  check: { type: http, port: 80, timeout: "\${PROBE_TIMEOUT}" }
records:
  - name: app.example.test
    provider: cf
    servers: [127.0.0.2, "\${BACKUP_IP}"]
  - name: b.example.test
    provider: pdns
    servers: [127.0.0.2]
  - name: c.example.test
    provider: ns
    strategy: all
    servers: [127.0.0.2, 127.0.0.3]
${extra}notify:
  - { type: slack, urlFile: secrets/slack-url }
`,
    );
    return { file, sub };
  };

  const rows: Array<{ name: string; extra?: string; setup?: (sub: string) => void; args?: string[]; code: number; out?: RegExp[]; err?: RegExp }> = [
    {
      name: 'a good config whose ${VAR}s are unset and secret files absent: exit 0, each one listed',
      code: 0,
      out: [
        /^ok .*dnsfail\.yaml \(offline\): valid, apart from 10 value\(s\)/,
        /\n {2}providers\.cf\.token: environment variable CF_API_TOKEN is not set\n/,
        /\n {2}providers\.ns\.tsig\.secret: environment variable TSIG_SECRET is not set\n/,
        /\n {2}providers\.dyn\.server: environment variable DYN_SERVER is not set\n/,
        /\n {2}records\[0\]\.servers\[1\]: environment variable BACKUP_IP is not set\n/,
        /\n {2}providers\.pdns\.apiKeyFile: secret file secrets\/pdns-key does not exist\n/,
        /\n {2}notify\[0\]\.urlFile: secret file secrets\/slack-url does not exist\n/,
      ],
    },
    { name: 'the same without --offline: refused as before', args: ['validate'], code: 2, err: /environment variable CF_API_TOKEN is not set/ },
    {
      name: 'a real mistake beside the unset values is still found',
      extra: '  - name: d.example.test\n    provider: ns\n    ttl: 1h\n    servers: [127.0.0.2]\n',
      code: 2,
      err: /dnsfail\.yaml:21: records\[3\]\.ttl: ttl is a number of seconds: write 3600, not 1h\n$/,
    },
    {
      name: 'a capability the provider lacks is still found (its block holds unset values)',
      extra: '  - name: d.example.test\n    provider: dyn\n    strategy: all\n    servers: [127.0.0.2, 127.0.0.3]\n',
      code: 2,
      err: /records\[3\]\.strategy: provider "dyn" \(dyndns2\) holds one address per record; use strategy: failover\n$/,
    },
    {
      name: 'a ${VAR} where a number belongs is wrong whatever its value',
      extra: '  - name: d.example.test\n    provider: ns\n    fall: "${FALL}"\n    servers: [127.0.0.2]\n',
      code: 2,
      err: /records\[3\]\.fall: expected number, received string \(a \$\{VAR\} reference always gives a string/,
    },
    {
      name: 'a secret file that is there but empty is still refused',
      setup: (sub) => writeFileSync(join(sub, 'secrets', 'slack-url'), ''),
      code: 2,
      err: /notify\[0\]\.urlFile: secret file secrets\/slack-url is empty/,
    },
    {
      name: 'a secret file that is there is read and checked',
      setup: (sub) => writeFileSync(join(sub, 'secrets', 'pdns-key'), 'Bearer x\n'),
      code: 0,
      out: [/valid, apart from 9 value\(s\)/],
    },
  ];
  rows.forEach((row, i) => {
    it(row.name, async () => {
      const { file, sub } = config(`offline-${i}`, row.extra);
      row.setup?.(sub);
      const r = await runCli([...(row.args ?? ['validate', '--offline']), '-c', file], { cwd: sub });
      assert.equal(r.code, row.code, r.stderr + r.stdout);
      for (const re of row.out ?? []) assert.match(r.stdout, re);
      if (row.err) {
        assert.match(r.stderr, row.err);
        assert.equal(r.stdout, '');
      } else {
        assert.equal(r.stderr, '');
      }
    });
  });
});

describe('provider failures in a run name what to do about them', () => {
  let fake: CloudflareFake;
  const TOKEN = 'small-messages-token';
  before(async () => {
    fake = await startCloudflareFake({ token: TOKEN, zones: ['example.test'] });
  });
  after(async () => {
    await fake.close();
    assertConforms(fake, 'small messages');
  });

  const run = (endpoint: string, name: string) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      `providers:
  cf: { type: cloudflare, token: "\${CF_API_TOKEN}", endpoint: "${endpoint}" }
records:
  - name: app.example.test
    servers:
      - { address: 127.0.0.2, check: { type: command, command: ["true"] } }
`,
    );
    return runCli(['check', '-c', file, '--state', join(dir, `${name}.state.json`)], { env: { CF_API_TOKEN: TOKEN } });
  };

  it('a 429 with Retry-After: 120 backs off for 2m and says so', async () => {
    fake.setRateLimit({ requests: 0, blockS: 120 });
    const r = await run(fake.url, 'rate-limited');
    fake.setRateLimit({ requests: 1200 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout + r.stderr, /backing off for 2m \(until \S+Z\).*\(rate limited; Retry-After 120s\)/);
    assert.doesNotMatch(r.stdout + r.stderr, /5 minutes/);
  });

  it('an endpoint where nothing listens is named host:port, and the URL\'s password is not shown', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r));
    const r = await run(`http://admin:SECRET-in-url@127.0.0.1:${port}/client/v4`, 'unreachable');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout + r.stderr, new RegExp(`connection refused by 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    assert.doesNotMatch(r.stdout + r.stderr, /SECRET-in-url|admin/);
  });
});
