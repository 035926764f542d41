import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildConfig, findConfigFile, loadConfigFile } from '../../src/config/load.js';
import { firstJsonError } from '../../src/config/json-strict.js';
import { decodeConfigBytes, parseConfigText } from '../../src/config/yaml-source.js';
import { ConfigError } from '../../src/errors.js';

/** The messages a broken config gets: one report, every problem once, with its path and line, nothing secret. */

const dir = mkdtempSync(join(tmpdir(), 'dnsfail-config-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = `providers:
  local: { type: zonefile, file: ./z.zone, zone: example.test }
records:
  - name: app.example.test
`;

async function refuse(text: string, opts: { env?: Record<string, string>; name?: string } = {}): Promise<ConfigError> {
  try {
    await buildConfig(parseConfigText(text, opts.name ?? 'dnsfail.yaml'), dir, opts.env ?? {});
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the config to be refused');
}

function refuseSync(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ConfigError');
}

/** The problem lines of a report (one, or the indented list under "N problems"). */
const problemLines = (e: ConfigError) => e.message.split('\n').filter((l) => /dnsfail\.(yaml|json):/.test(l));

describe('config errors: the path says where, even inside a union', () => {
  it('a bad key in a server object is reported at that key, not as "expected an IP address string"', async () => {
    const e = await refuse(`${HEAD}    servers:\n      - { address: 127.0.0.2, check: { method: POST } }\n`);
    assert.equal(e.path, 'records[0].servers[0].check.method');
    assert.match(e.message, /dnsfail\.yaml:6: records\[0\]\.servers\[0\]\.check\.method: must be one of: "GET", "HEAD"$/);
  });

  it('a value of no allowed kind lists every kind, nested unions included', async () => {
    const e = await refuse(`${HEAD}    check: { expectStatus: true }\n    servers: [127.0.0.2]\n`);
    assert.match(e.message, /records\[0\]\.check\.expectStatus: expected number or string or array, received boolean/);
  });

  it('a server of the wrong kind still gets the server wording', async () => {
    const e = await refuse(`${HEAD}    servers: [42]\n`);
    assert.match(e.message, /records\[0\]\.servers\[0\]: expected an IP address string or an object with address/);
  });

  it('a missing key is reported at the line of the block it belongs in', async () => {
    const e = await refuse('providers:\n  cf:\n    type: cloudflare\n    endpoint: http://127.0.0.1:1\nrecords:\n  - name: app.example.test\n    servers: [127.0.0.2]\n');
    assert.match(e.message, /^dnsfail\.yaml:2: providers\.cf\.token: token \(or tokenFile\) is required$/);
  });

  it('lists problems in file order', async () => {
    const e = await refuse(`providers:\n  local: { type: zonefile, file: ./z.zone, zone: example.test }\ndefaults:\n  tll: 1\nrecords:\n  - name: app.example.test\n    servrs: []\n    servers: [127.0.0.2]\n    check: { tiemout: 1s }\n`);
    assert.deepEqual(problemLines(e).map((l) => l.trim().split(':')[1]), ['4', '7', '9']);
  });
});

describe('config errors: one message per problem', () => {
  it('an unset ${VAR} in a server address is one problem, not also "not an IP address"', async () => {
    const e = await refuse(`${HEAD}    servers: ["\${PRIMARY_IP}", { address: "\${BACKUP_IP}" }]\n`);
    assert.deepEqual(
      problemLines(e).map((l) => l.replace(/^.*?: /, '')),
      ['records[0].servers[0]: environment variable PRIMARY_IP is not set', 'records[0].servers[1].address: environment variable BACKUP_IP is not set'],
    );
  });

  it('an unreadable notify urlFile is one problem, not also "a url is required"', async () => {
    const e = await refuse(`${HEAD}    servers: [127.0.0.2]\nnotify:\n  - { type: slack, urlFile: ./nope }\n`);
    assert.doesNotMatch(e.message, /problems in the config|url \(or urlFile\) is required/);
    assert.match(e.message, /notify\[0\]\.urlFile: cannot read secret file \.\/nope \(ENOENT\)/);
  });

  it('an empty secret file is one problem, not also "token is required" and "must be one word"', async () => {
    writeFileSync(join(dir, 'empty-token'), '\n');
    const e = await refuse(`providers:\n  cf: { type: cloudflare, tokenFile: ./empty-token }\nrecords:\n  - name: app.example.test\n    servers: [127.0.0.2]\n`);
    assert.equal(e.message, 'dnsfail.yaml:2: providers.cf.tokenFile: secret file ./empty-token is empty');
  });

  it('max set in defaults is blamed on defaults.max, once for all records', async () => {
    const e = await refuse(`providers:\n  local: { type: zonefile, file: ./z.zone, zone: example.test }\ndefaults:\n  max: 2\nrecords:\n  - { name: a.example.test, servers: [127.0.0.2] }\n  - { name: b.example.test, servers: [127.0.0.2] }\n`);
    assert.equal(e.message, 'dnsfail.yaml:4: defaults.max: max applies only to strategy: all');
  });
});

describe('config errors: messages that say what is wrong', () => {
  it('an unreadable or non-PEM caFile is refused at load time, not as a server that is down', async () => {
    writeFileSync(join(dir, 'not-a-cert.pem'), 'hello\n');
    const missing = await refuse(`${HEAD}    check: { type: https, caFile: ./no-ca.pem }\n    servers: [127.0.0.2]\n`);
    assert.match(missing.message, /:5: records\[0\]\.check\.caFile: cannot read "\.\/no-ca\.pem" \(ENOENT\)/);
    const notPem = await refuse(`${HEAD}    check: { type: https, caFile: ./not-a-cert.pem }\n    servers: [127.0.0.2]\n`);
    assert.match(notPem.message, /records\[0\]\.check\.caFile: "\.\/not-a-cert\.pem" holds no PEM certificate/);
  });

  it('a notify or ping URL of another scheme says so, without a repeated "URL:"', async () => {
    const e = await refuse(`${HEAD}    servers: [127.0.0.2]\nping: { url: "ftp://127.0.0.1/x" }\nnotify:\n  - { type: webhook, url: "http://hooks.example.com/x" }\n`);
    assert.match(e.message, /ping\.url: ftp: URLs are not supported; use https:\/\//);
    assert.match(e.message, /notify\[0\]\.url: http:\/\/hooks\.example\.com is not https/);
    assert.doesNotMatch(e.message, /URL: /);
  });

  it('a provider message does not repeat its key ("url: url: …")', async () => {
    const e = await refuse(`providers:\n  p: { type: powerdns, url: "ftp://127.0.0.1:1", apiKey: k3y-1234 }\nrecords:\n  - name: app.example.test\n    servers: [127.0.0.2]\n`);
    assert.match(e.message, /providers\.p\.url: ftp:\/\/127\.0\.0\.1:1 is not https/);
  });

  it('port: ${PORT} explains that an interpolated value is a string', async () => {
    const e = await refuse(`${HEAD}    check: { type: tcp, port: "\${PORT}" }\n    servers: [127.0.0.2]\n`, { env: { PORT: '443' } });
    assert.match(e.message, /records\[0\]\.check\.port: expected number, received string \(a \$\{VAR\} reference always gives a string/);
  });

  it('type CNAME, onAllDown delete and a missing required key get a reason', async () => {
    const cname = await refuse(`${HEAD}    type: CNAME\n    servers: [127.0.0.2]\n`);
    assert.match(cname.message, /records\[0\]\.type: must be A or AAAA: dnsfail manages the address record/);
    const del = await refuse(`${HEAD}    onAllDown: delete\n    servers: [127.0.0.2]\n`);
    assert.match(del.message, /"delete" is neither "keep" nor an IP address \(the record is never deleted/);
    const missing = await refuse('providers:\n  local: { type: zonefile, file: ./z.zone, zone: example.test }\n');
    assert.match(missing.message, /^dnsfail\.yaml:1: records: is required \(expected array\)$/);
  });

  it('a top-level list or scalar says what it is', async () => {
    assert.match((await refuse('- a\n- b\n')).message, /^dnsfail\.yaml:1: \(top level\): the config is a list; it must be a mapping/);
  });

  it('a 2 MB value is cut short in the message', async () => {
    const e = await refuse(`${HEAD.replace('app.example.test', `"${'x'.repeat(2_000_000)}"`)}    servers: [127.0.0.2]\n`);
    assert.ok(e.message.length < 300, `message of ${e.message.length} characters`);
    assert.match(e.message, /"x{60}…" \(2000000 characters\) is not a fully qualified DNS name/);
  });

  it('a secret that ends up echoed in a message is redacted', async () => {
    const token = 'sentinel-1b7e..bad-name';
    const e = await refuse('providers:\n  cf: { type: cloudflare, token: "${CF_TOKEN}" }\nrecords:\n  - name: "${CF_TOKEN}"\n    servers: [127.0.0.2]\n', { env: { CF_TOKEN: token } });
    assert.match(e.message, /records\[0\]\.name: "\*\*\*" is not a fully qualified DNS name/);
    assert.ok(!e.message.includes('sentinel-1b7e'));
  });
});

describe('config errors: the file itself', () => {
  it('a YAML syntax error names the path it is in', () => {
    const e = refuseSync(() => parseConfigText('providers:\n  local:\n    type: zonefile\n    type: exec\n', 'dnsfail.yaml'));
    assert.equal(e.message, 'dnsfail.yaml:4: YAML syntax error in providers.local.type: Map keys must be unique');
    assert.equal(e.path, 'providers.local.type');
  });

  it('an unclosed quote is reported at the line it opened, not the end of the file', () => {
    const e = refuseSync(() => parseConfigText('records:\n  - name: "app.example.test\n    servers: [127.0.0.2]\n\n\n', 'dnsfail.yaml'));
    assert.match(e.message, /^dnsfail\.yaml:2: YAML syntax error in records\[0\]\.name: Missing closing "quote/);
  });

  it('an empty file (or only comments) is line 1 and says it is empty', () => {
    for (const text of ['', '# just a comment\n\n']) {
      const e = refuseSync(() => parseConfigText(text, 'dnsfail.yaml'));
      assert.equal(e.message, 'dnsfail.yaml:1: (top level): the file is empty (only comments or blank lines); it needs providers and records');
    }
  });

  it('a billion-laughs document is refused with the line and path of its first alias', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const e = refuseSync(() => parseConfigText(lines.join('\n'), 'dnsfail.yaml'));
    assert.match(e.message, /^dnsfail\.yaml:2: b\[0\]: YAML aliases \(\*name\) expand to too much data/);
  });

  it('deep nesting is refused with a short path, before anything recurses through it', () => {
    let text = 'records:\n';
    for (let i = 0; i < 40; i++) text += `${'  '.repeat(i + 1)}k${i}:\n`;
    const block = refuseSync(() => parseConfigText(text, 'dnsfail.yaml'));
    assert.match(block.message, /^dnsfail\.yaml:34: records\.k0\.k1\.k2\.k3\.k4\.k5\.k6\.k7\.k8: nested more than 32 levels deep/);
    const flow = refuseSync(() => parseConfigText(`records: ${'['.repeat(5000)}${']'.repeat(5000)}`, 'dnsfail.yaml'));
    assert.ok(flow.message.length < 200, flow.message);
    assert.match(flow.message, /nested/);
  });

  it('a binary or Latin-1 file is refused with the line (and path) of its first bad byte', () => {
    const latin1 = Buffer.from('providers: {}\nrecords:\n  - name: caf\xe9.example.test\n', 'latin1');
    const e = refuseSync(() => decodeConfigBytes(latin1, 'dnsfail.yaml'));
    assert.match(e.message, /^dnsfail\.yaml:3: records\[0\]\.name: the file is not UTF-8 text/);
    const binary = Buffer.from([0x00, 0xff, 0xfe, 0x12, 0x80]);
    assert.match(refuseSync(() => decodeConfigBytes(binary, 'x.yaml')).message, /^x\.yaml:1: \(top level\): the file is not UTF-8 text/);
    assert.equal(decodeConfigBytes(Buffer.from('a: "ü"\n'), 'ok.yaml'), 'a: "ü"\n');
  });

  it('a .json file must be JSON: trailing commas, comments and single quotes are refused with their line', () => {
    assert.deepEqual(firstJsonError('{"a": [1,]}', 32), { offset: 9, message: 'a comma before ] (trailing commas are not JSON)' });
    assert.equal(firstJsonError("{'a': 1}", 32)?.message, 'expected a "double-quoted" string');
    assert.equal(firstJsonError('{"a": 1} // x', 32)?.message, 'unexpected text after the end of the JSON value');
    assert.equal(firstJsonError('\uFEFF{"a": [1, {"b": null}], "c": -1.5e3}', 32), null);
    const e = refuseSync(() => parseConfigText('{\n  "records": [\n    {"name": "a.example.test", "servers": ["127.0.0.2",]}\n  ]\n}\n', 'dnsfail.json'));
    assert.equal(e.message, 'dnsfail.json:3: JSON syntax error in records[0].servers: a comma before ] (trailing commas are not JSON)');
  });

  it('a file name in $DNSFAIL_CONFIG that does not exist is an error, not a fall-through to ./dnsfail.yaml', () => {
    const cwd = join(dir, 'cwd');
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'dnsfail.yaml'), HEAD);
    const e = refuseSync(() => findConfigFile(undefined, { DNSFAIL_CONFIG: 'missing.yaml' }, cwd));
    assert.equal(e.message, 'config file not found: missing.yaml (from $DNSFAIL_CONFIG)');
    assert.equal(findConfigFile(undefined, {}, cwd), join(cwd, 'dnsfail.yaml'));
  });

  it('a config path that is a directory is refused with the path and the fix, exit 2', async () => {
    const e = await loadConfigFile(dir, {}).then(
      () => assert.fail('a directory was read as a config'),
      (err: unknown) => err,
    );
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.exitCode, 2);
    assert.equal(e.message, `cannot read config ${dir}: it is a directory (EISDIR); pass the file itself: --config FILE`);
  });

  it('loadConfigFile reads bytes, so a Latin-1 file is caught before YAML sees it', async () => {
    const file = join(dir, 'latin1.yaml');
    writeFileSync(file, Buffer.from(`${HEAD}    servers: [127.0.0.2]\n    label: caf\xe9\n`, 'latin1'));
    await assert.rejects(loadConfigFile(file, {}), (e: unknown) => e instanceof ConfigError && /latin1\.yaml:6: .*not UTF-8/.test(e.message));
  });
});

describe('config errors: a misindented YAML line is the line cited', () => {
  // [what, text, line the message must cite, path, message]: the line to fix, not the line YAML noticed it on.
  const rows: Array<[string, string, number, string, string]> = [
    ['a key deeper than the one above it', 'records:\n  - name: a.example.test\n    ttl: 60\n     servers: [127.0.0.2]\n', 4, 'records[0].servers', '"servers" is indented 5 spaces, deeper than "ttl" on line 3, which already has a value; indent it like "ttl" (4 spaces)'],
    ['the same across a blank line and a comment', 'providers:\n  local:\n    type: zonefile  # here\n\n    # the file\n      file: ./z.zone\n', 6, 'providers.local.file', '"file" is indented 6 spaces, deeper than "type" on line 3'],
    ['a key deeper than a flow mapping above it', 'providers:\n  local: { type: zonefile }\n    records: []\n', 3, 'providers.records', '"records" is indented 4 spaces, deeper than "local" on line 2'],
    ['a key less indented than its neighbours', 'providers:\n  local:\n    type: zonefile\n   file: ./z.zone\n', 4, 'providers.local', '"file" is indented 3 spaces, which lines up with nothing above it (the lines it could belong with start at 0, 2 or 4 spaces)'],
    ['a key of a list item less indented than the first', 'records:\n  - name: a.example.test\n    servers: [127.0.0.2]\n   ttl: 60\n', 4, 'records[0]', '"ttl" is indented 3 spaces, which lines up with nothing above it'],
    ['a list item out of line', 'records:\n  - name: a.example.test\n    servers:\n      - 127.0.0.2\n     - 127.0.0.3\n', 5, 'records[0].servers', 'the list item is indented 5 spaces'],
    ['a top-level key indented by one', 'providers:\n  local: { type: zonefile }\n records: []\n', 3, 'providers', '"records" is indented 1 space, which lines up with nothing above it'],
    ['Windows line ends', 'records:\r\n  - name: a.example.test\r\n    ttl: 60\r\n     servers: [127.0.0.2]\r\n', 4, 'records[0].servers', '"servers" is indented 5 spaces'],
  ];
  for (const [what, text, line, path, message] of rows) {
    it(what, () => {
      const e = refuseSync(() => parseConfigText(text, 'dnsfail.yaml'));
      assert.ok(e.message.startsWith(`dnsfail.yaml:${line}: YAML indentation error in ${path}: ${message}`), e.message);
      assert.equal(e.line, line);
      assert.equal(e.path, path);
    });
  }

  it('other syntax errors keep the parser\'s words', () => {
    const e = refuseSync(() => parseConfigText('records:\n  - name: a.example.test\n\tservers: []\n', 'dnsfail.yaml'));
    assert.match(e.message, /^dnsfail\.yaml:3: YAML syntax error in records\[0\]\.name: Tabs are not allowed as indentation/);
  });
});

describe('config errors: a check host that no server could be asked for', () => {
  for (const host of ['www example.test', 'www.example.test!', 'a/b', 'example.test:8080', '', '-x.example.test', `${'a'.repeat(64)}.test`]) {
    it(`host ${JSON.stringify(host)} is refused at its path`, async () => {
      const e = await refuse(`${HEAD}    servers:\n      - { address: 127.0.0.2, check: { type: https, host: ${JSON.stringify(host)} } }\n`);
      assert.equal(e.path, 'records[0].servers[0].check.host');
      assert.match(e.message, /dnsfail\.yaml:6: records\[0\]\.servers\[0\]\.check\.host: ".*"( \(\d+ characters\))? is not a host name/);
    });
  }

  it('names, single labels, a trailing dot and IP literals are accepted', async () => {
    for (const host of ['www.example.test', 'WWW.Example.Test.', 'intranet', '_acme.example.test', '192.0.2.1', '2001:db8::1']) {
      const config = await buildConfig(parseConfigText(`${HEAD}    check: { type: https, host: ${JSON.stringify(host)} }\n    servers: [127.0.0.2]\n`, 'dnsfail.yaml'), dir, {});
      const check = config.records[0]!.servers[0]!.check;
      assert.equal('host' in check && check.host, host);
    }
  });
});
