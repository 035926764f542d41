import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildConfig, configCandidates } from '../../src/config/load.js';
import { parseConfigText } from '../../src/config/yaml-source.js';
import { ConfigError } from '../../src/errors.js';
import { redact, clearSecrets } from '../../providers/kit/redact.js';
import { parseDuration } from '../../providers/kit/duration.js';
import { resolveSecretFiles } from '../../src/config/secret-files.js';
import type { Problem } from '../../src/config/resolve.js';

const dir = mkdtempSync(join(tmpdir(), 'dnsfail-config-'));

const GOOD = `providers:
  local:
    type: zonefile
    file: ./zones/example.test.zone
    zone: example.test
defaults:
  ttl: 60
  fall: 3
  rise: 2
  failback: auto
  check: { type: http, path: /healthz, timeout: 2s }
records:
  - name: app.example.test
    alias: www.example.com
    type: A
    provider: local
    ttl: 30
    strategy: failover
    onAllDown: keep
    check: { type: tcp, port: 443, timeout: 1500ms }
    servers:
      - 192.0.2.10
      - address: 192.0.2.20
        label: backup-dc2
        check: { type: https, port: 8443, path: /health, expectStatus: "200-299", expectBody: ok }
`;

function load(text: string, env: Record<string, string> = {}) {
  return buildConfig(parseConfigText(text, 'dnsfail.yaml'), dir, env);
}

async function loadError(text: string, env: Record<string, string> = {}): Promise<ConfigError> {
  try {
    await load(text, env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    return e;
  }
  assert.fail('expected the config to be rejected');
}

describe('config: the documented example', () => {
  it('loads and resolves inheritance: defaults → record → server', async () => {
    const c = await load(GOOD);
    const r = c.records[0]!;
    assert.equal(r.key, 'app.example.test/A');
    assert.equal(r.ttl, 30);
    assert.deepEqual([r.fall, r.rise, r.failback, r.strategy, r.onAllDown], [3, 2, 'auto', 'failover', 'keep']);
    // the record's tcp check replaces the defaults' http check (different type)
    assert.deepEqual(r.servers[0]!.check, { type: 'tcp', port: 443, timeoutMs: 1500 });
    // the server's https check replaces the record's tcp check; host defaults to the alias
    const https = r.servers[1]!.check;
    assert.equal(https.type, 'https');
    assert.ok(https.type === 'https');
    assert.equal(https.host, 'www.example.com');
    assert.equal(https.port, 8443);
    assert.deepEqual(https.expectStatus, [[200, 299]]);
    assert.deepEqual(https.expectBody, { kind: 'substring', text: 'ok' });
    assert.equal(https.timeoutMs, 2000);
    assert.equal(r.servers[1]!.label, 'backup-dc2');
  });

  it('a check without type adjusts the inherited one', async () => {
    const c = await load(GOOD.replace('check: { type: tcp, port: 443, timeout: 1500ms }', 'check: { timeout: 5s }'));
    const chk = c.records[0]!.servers[0]!.check;
    assert.equal(chk.type, 'http');
    assert.ok(chk.type === 'http');
    assert.equal(chk.path, '/healthz');
    assert.equal(chk.timeoutMs, 5000);
    assert.equal(chk.host, 'www.example.com');
  });

  it('JSON configs load too', async () => {
    const json = JSON.stringify({
      providers: { z: { type: 'zonefile', file: 'a.zone', zone: 'example.test' } },
      records: [{ name: 'app.example.test', servers: ['192.0.2.1'] }],
    });
    const c = await buildConfig(parseConfigText(json, 'dnsfail.json'), dir, {});
    assert.equal(c.records[0]!.provider, 'z');
    assert.deepEqual(c.records[0]!.servers[0]!.check, {
      type: 'http', port: 80, path: '/', host: 'app.example.test', method: 'GET', headers: {}, timeoutMs: 2000,
      expectStatus: [[200, 399]], maxBodyBytes: 65536, insecure: false,
    });
  });
});

describe('config: bad input names the path and the line', () => {
  const cases: Array<{ name: string; edit: (t: string) => string; path: string; line?: number; message: RegExp }> = [
    { name: 'IPv6 in an A record', edit: (t) => t.replace('- 192.0.2.10', '- 2001:db8::1'), path: 'records[0].servers[0]', line: 22, message: /IPv6 address but the record type is A/ },
    { name: 'a bad IP', edit: (t) => t.replace('address: 192.0.2.20', 'address: 192.0.2.300'), path: 'records[0].servers[1].address', line: 23, message: /not an IP address/ },
    { name: 'an unknown key with a suggestion', edit: (t) => t.replace('ttl: 30', 'tll: 30'), path: 'records[0].tll', line: 17, message: /unknown key "tll" \(did you mean "ttl"\?\)/ },
    { name: 'an unknown provider reference', edit: (t) => t.replace('provider: local', 'provider: cf'), path: 'records[0].provider', line: 16, message: /provider "cf" is not defined under providers \(defined: local\)/ },
    { name: 'an unknown provider type', edit: (t) => t.replace('type: zonefile', 'type: zonefil'), path: 'providers.local.type', line: 3, message: /unknown provider type "zonefil" \(did you mean "zonefile"\?\)/ },
    { name: 'a wrong type', edit: (t) => t.replace('ttl: 30', 'ttl: thirty'), path: 'records[0].ttl', line: 17, message: /expected number/ },
    { name: 'a bad duration', edit: (t) => t.replace('timeout: 1500ms', 'timeout: 2 s'), path: 'records[0].check.timeout', line: 20, message: /duration such as 500ms/ },
    { name: 'fall of 0', edit: (t) => t.replace('fall: 3', 'fall: 0'), path: 'defaults.fall', line: 8, message: /expected number to be >=1/ },
    { name: 'an empty server list', edit: (t) => t.slice(0, t.indexOf('    servers:')) + '    servers: []\n', path: 'records[0].servers', line: 21, message: /too small/i },
    { name: 'a port out of range', edit: (t) => t.replace('port: 443', 'port: 70000'), path: 'records[0].check.port', line: 20, message: /<=65535/ },
    { name: 'a regex that does not compile', edit: (t) => t.replace('expectBody: ok', 'expectBody: "/ok(/"'), path: 'records[0].servers[1].check.expectBody', line: 25, message: /does not compile/ },
    { name: 'alias equal to name', edit: (t) => t.replace('alias: www.example.com', 'alias: app.example.test'), path: 'records[0].alias', line: 14, message: /alias must differ from name/ },
    { name: 'a bad record name', edit: (t) => t.replace('name: app.example.test', 'name: "app..example"'), path: 'records[0].name', line: 13, message: /not a fully qualified DNS name/ },
    { name: 'a tcp check without port', edit: (t) => t.replace('{ type: tcp, port: 443, timeout: 1500ms }', '{ type: tcp }'), path: 'records[0].check.port', line: 20, message: /needs a port/ },
    { name: 'an http key on a tcp check', edit: (t) => t.replace('{ type: tcp, port: 443, timeout: 1500ms }', '{ type: tcp, port: 1, path: /x }'), path: 'records[0].check.path', line: 20, message: /applies only to http/ },
    { name: 'a bad status range', edit: (t) => t.replace('"200-299"', '"299-200"'), path: 'records[0].servers[1].check.expectStatus', line: 25, message: /not a status code or range/ },
    { name: 'onAllDown of the wrong family', edit: (t) => t.replace('onAllDown: keep', 'onAllDown: "2001:db8::9"'), path: 'records[0].onAllDown', line: 19, message: /IPv6 address but the record type is A/ },
    { name: 'a server listed twice', edit: (t) => t.replace('address: 192.0.2.20', 'address: 192.0.2.10'), path: 'records[0].servers[1].address', line: 23, message: /listed twice/ },
    { name: 'a missing environment variable', edit: (t) => t.replace('file: ./zones/example.test.zone', 'file: "${ZONE_FILE}"'), path: 'providers.local.file', line: 4, message: /environment variable ZONE_FILE is not set/ },
    { name: 'max without strategy all', edit: (t) => t.replace('strategy: failover', 'strategy: failover\n    max: 2'), path: 'records[0].max', message: /max applies only to strategy: all/ },
  ];
  for (const c of cases) {
    it(`rejects ${c.name}`, async () => {
      const e = await loadError(c.edit(GOOD));
      assert.equal(e.path, c.path, e.message);
      assert.match(e.message, c.message);
      if (c.line !== undefined) {
        assert.equal(e.line, c.line, e.message);
        assert.ok(e.message.includes(`dnsfail.yaml:${c.line}: ${c.path}: `), e.message);
      }
    });
  }

  it('an unknown provider type is one problem, not also a bad reference in every record', async () => {
    const e = await loadError(GOOD.replace('type: zonefile', 'type: zonefil'));
    assert.doesNotMatch(e.message, /problems in the config/);
    assert.doesNotMatch(e.message, /is not defined under providers/);
  });

  it('rejects duplicate records (same name and type)', async () => {
    const text = GOOD + `  - name: APP.example.test.\n    servers: [192.0.2.99]\n`;
    const e = await loadError(text);
    assert.equal(e.path, 'records[1].name');
    assert.match(e.message, /duplicates records\[0\]/);
  });

  it('reports a YAML syntax error with its line', async () => {
    const e = await loadError('providers:\n  local: { type: zonefile\nrecords: []\n');
    assert.match(e.message, /^dnsfail\.yaml:\d+: YAML syntax error/);
  });

  it('refuses a YAML alias bomb without expanding it', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const e = await loadError(bomb.join('\n'));
    assert.match(e.message, /alias|Excessive/i);
  });

  it('lists every problem, one per line', async () => {
    const e = await loadError(GOOD.replace('ttl: 30', 'tll: 30').replace('port: 443', 'port: 70000'));
    assert.match(e.message, /^2 problems in the config:/);
  });
});

describe('config: secrets and environment', () => {
  it('interpolates ${VAR} and ${VAR:-default}', async () => {
    const c = await load(GOOD.replace('zone: example.test', 'zone: "${ZONE:-example.test}"').replace('./zones/example.test.zone', '"${ZDIR}/x.zone"'), { ZDIR: '/srv' });
    assert.deepEqual(c.providers.local!.settings, { type: 'zonefile', file: '/srv/x.zone', zone: 'example.test' });
  });

  it('parses durations', async () => {
    assert.deepEqual(['500ms', '2s', '1.5m', '1h', '2 s', '-1s', '5'].map(parseDuration), [500, 2000, 90000, 3600000, null, null, null]);
  });

  it('reads <key>File secrets, registers them for redaction, and never prints their value', async () => {
    clearSecrets();
    const secretFile = join(dir, 'secret');
    writeFileSync(secretFile, 'hunter2-sentinel\n');
    const problems: Problem[] = [];
    const out = resolveSecretFiles({ type: 'x', tsig: { secretFile } }, ['tsig.secret'], dir, ['providers', 'p'], problems);
    assert.deepEqual(out, { type: 'x', tsig: { secret: 'hunter2-sentinel' } });
    assert.deepEqual(problems, []);
    assert.equal(redact('got 401 for key hunter2-sentinel'), 'got 401 for key ***');
  });

  it('names the path of an unreadable secret file, and refuses both key and keyFile', async () => {
    const problems: Problem[] = [];
    resolveSecretFiles({ passwordFile: join(dir, 'nope') }, ['password'], dir, ['providers', 'p'], problems);
    resolveSecretFiles({ token: 'a', tokenFile: 'b' }, ['token'], dir, ['providers', 'q'], problems);
    assert.deepEqual(problems.map((p) => [p.path.join('.'), p.message.replace(dir, 'DIR')]), [
      ['providers.p.passwordFile', 'cannot read secret file DIR/nope (ENOENT)'],
      ['providers.q.tokenFile', 'give either token or tokenFile, not both'],
    ]);
  });
});

describe('config: search order', () => {
  it('looks at $DNSFAIL_CONFIG, ./dnsfail.yaml, $XDG_CONFIG_HOME, /etc in that order', async () => {
    const c = configCandidates({ DNSFAIL_CONFIG: 'my.yaml', XDG_CONFIG_HOME: '/x', HOME: '/h' }, '/w');
    assert.deepEqual(c, ['/w/my.yaml', '/w/dnsfail.yaml', '/w/dnsfail.yml', '/w/dnsfail.json', '/x/dnsfail/config.yaml', '/etc/dnsfail/config.yaml']);
  });
});
