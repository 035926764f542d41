import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it, type TestContext } from 'node:test';
import { isProviderError, type ProviderError, type ProviderErrorKind } from '../../providers/kit/errors.js';
import type { ProviderContext } from '../../providers/kit/types.js';
import { createZonefileProvider, zonefileProvider, type ZonefileConfig } from '../../providers/zonefile/index.js';
import { defaultZoneText, startBind } from '../helpers/bind.js';
import { dig } from '../helpers/dig.js';
import { requireTools } from '../helpers/require-tool.js';

const ZONE = 'example.test';
const APP = { name: 'app.example.test', type: 'A' } as const;
const BIND_TOOLS = ['named', 'named-checkzone', 'dig', 'rndc'];
const INSTALL = 'apt-get install bind9 bind9-utils bind9-dnsutils';

let baseDir = '';
before(async () => {
  baseDir = await mkdtemp(join(tmpdir(), 'dnsfail-zonefile-'));
});
after(async () => {
  await rm(baseDir, { recursive: true, force: true });
});

let fileCounter = 0;
/** A fresh zone file path (not created) under the test's temp dir. */
const freshFile = () => join(baseDir, `z${++fileCounter}`, `${ZONE}.zone`);
const ctx = (): ProviderContext => ({ userAgent: 'dnsfail-test', baseDir });
const provider = (file: string, extra: Partial<ZonefileConfig> = {}) =>
  createZonefileProvider({ type: 'zonefile', file, zone: ZONE, ...extra }, ctx());

function checkzone(file: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((done) => {
    execFile('named-checkzone', ['-q', ZONE, file], (err, stdout, stderr) => done({ ok: !err, output: stdout + stderr }));
  });
}
async function assertValidZone(file: string) {
  const res = await checkzone(file);
  assert.ok(res.ok, `named-checkzone rejected ${file}:\n${res.output}\n${await readFile(file, 'utf8')}`);
}

/** named-checkzone's canonical dump: one absolute record per line, sorted. */
function canonicalDump(file: string): Promise<string[]> {
  return new Promise((done, fail) => {
    execFile('named-checkzone', ['-D', '-o', '-', ZONE, file], (err, stdout, stderr) => {
      if (err) fail(new Error(`named-checkzone -D failed: ${stdout}${stderr}`));
      else done(stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/).join(' ').toLowerCase()).sort());
    });
  });
}

async function rejectsWith(p: Promise<unknown>, kind: ProviderErrorKind, message: RegExp): Promise<ProviderError> {
  let caught: unknown;
  await p.catch((e: unknown) => (caught = e));
  assert.ok(isProviderError(caught), `expected ProviderError(${kind}), got ${String(caught)}`);
  assert.equal(caught.kind, kind);
  assert.match(caught.message, message);
  return caught;
}

async function withDir(file: string) {
  await mkdir(join(file, '..'), { recursive: true });
  return file;
}

/** rndc reload may finish asynchronously: poll until dig sees the expected answers. */
async function digUntil(port: number, name: string, type: string, want: string[]): Promise<string[]> {
  let got: string[] = [];
  for (let i = 0; i < 50; i++) {
    got = await dig('127.0.0.1', port, name, type);
    if (JSON.stringify(got) === JSON.stringify(want)) break;
    await sleep(100);
  }
  return got;
}
const soaSerial = async (port: number) => Number((await dig('127.0.0.1', port, ZONE, 'SOA'))[0]?.split(/\s+/)[2]);

describe('zonefile provider: files named-checkzone accepts', () => {
  it('creates a missing file with SOA and NS, then replaces, grows, shrinks and removes the rrset', async (t: TestContext) => {
    if (!requireTools(t, BIND_TOOLS, INSTALL)) return;
    const file = await withDir(freshFile());
    const p = provider(file);
    assert.equal(await p.read!(APP), null, 'missing file reads as no record');

    await p.write(APP, { values: ['192.0.2.10'], ttl: 30, previous: null });
    await assertValidZone(file);
    assert.deepEqual(await p.read!(APP), { values: ['192.0.2.10'], ttl: 30 });

    await p.write(APP, { values: ['192.0.2.11'], ttl: 30, previous: { values: ['192.0.2.10'] } });
    await assertValidZone(file);
    await p.write(APP, { values: ['192.0.2.12', '192.0.2.13'], ttl: 45, previous: { values: ['192.0.2.11'] } });
    await assertValidZone(file);
    assert.deepEqual(await p.read!(APP), { values: ['192.0.2.12', '192.0.2.13'], ttl: 45 });

    await p.write(APP, { values: [], ttl: 45, previous: null });
    await assertValidZone(file);
    assert.equal(await p.read!(APP), null);
  });

  it('writes AAAA next to A and keeps both valid', async (t: TestContext) => {
    if (!requireTools(t, BIND_TOOLS, INSTALL)) return;
    const file = await withDir(freshFile());
    const p = provider(file, { nameservers: ['ns1.example.net.', 'ns2.example.net'] });
    await p.write(APP, { values: ['192.0.2.10'], ttl: 30, previous: null });
    await p.write({ name: APP.name, type: 'AAAA' }, { values: ['2001:DB8::10', '2001:db8::11'], ttl: 30, previous: null });
    await assertValidZone(file);
    assert.deepEqual(await p.read!({ name: APP.name, type: 'AAAA' }), { values: ['2001:db8::10', '2001:db8::11'], ttl: 30 });
    assert.deepEqual(await p.read!(APP), { values: ['192.0.2.10'], ttl: 30 });
    assert.match(await readFile(file, 'utf8'), /@ IN NS ns2\.example\.net\.\n/);
  });

  it('keeps the rest of an existing file byte for byte and bumps its serial once per change', async (t: TestContext) => {
    if (!requireTools(t, BIND_TOOLS, INSTALL)) return;
    const file = await withDir(freshFile());
    const before = [
      '; hand-written zone',
      '$ORIGIN example.test.',
      '$TTL 300',
      '@   IN SOA ns1 hostmaster (',
      '        2001010100 ; serial',
      '        3600 600 86400 60 )',
      '    IN NS ns1',
      'ns1 IN A 127.0.0.1   ; glue',
      'app IN A 192.0.2.1',
      '    IN TXT "owner: team-a ; not a comment"',
      '',
    ].join('\n');
    await writeFile(file, before);
    const p = createZonefileProvider({ type: 'zonefile', file, zone: ZONE }, ctx(), { now: () => new Date('2024-05-06T12:00:00Z') });
    await p.write(APP, { values: ['192.0.2.2'], ttl: 30, previous: { values: ['192.0.2.1'], ttl: 300 } });
    await assertValidZone(file);
    const expected = before
      .replace('2001010100', '2024050600')
      .replace('app IN A 192.0.2.1', 'app.example.test. 30 IN A 192.0.2.2');
    assert.equal(await readFile(file, 'utf8'), expected);

    await p.write(APP, { values: ['192.0.2.2'], ttl: 30, previous: { values: ['192.0.2.2'], ttl: 30 } });
    assert.equal(await readFile(file, 'utf8'), expected, 'an unchanged rrset is not rewritten and the serial stays');
  });

  it('changes nothing but the managed rrset and the serial, as BIND reads the file', async (t: TestContext) => {
    if (!requireTools(t, BIND_TOOLS, INSTALL)) return;
    const file = await withDir(freshFile());
    await writeFile(
      file,
      [
        '$ORIGIN example.test.',
        '@ 120 IN SOA ns1 hostmaster ( 7 ; no $TTL: BIND carries TTLs over from the previous record',
        '      3600 600 86400 60 )',
        '  IN NS ns1',
        'ns1 IN A 127.0.0.1',
        'app 120 IN A 192.0.2.1',
        '    IN TXT "inherits owner and TTL"',
        '    IN AAAA 2001:db8::1',
        '$ORIGIN sub.example.test.',
        'app IN A 192.0.2.50',
        'APP.example.test. IN A 192.0.2.2',
        '   IN MX 10 mail.example.test.',
        '',
      ].join('\n'),
    );
    const before = await canonicalDump(file);
    await provider(file).write(APP, { values: ['192.0.2.9'], ttl: 30, previous: { values: ['192.0.2.1', '192.0.2.2'] } });
    const after = await canonicalDump(file);
    const managed = (l: string) => l.startsWith('app.example.test. ') && / in a /.test(l);
    const unmanaged = (lines: string[]) => lines.filter((l) => !managed(l) && !/ in soa /.test(l));
    assert.deepEqual(unmanaged(after), unmanaged(before));
    assert.equal(unmanaged(before).length, 6);
    assert.deepEqual(after.filter(managed), ['app.example.test. 30 in a 192.0.2.9']);
    assert.ok(after.some((l) => / in soa .* 8 3600 600 86400 60$/.test(l)), 'serial 7 -> 8');
  });
});

describe('zonefile provider against a real BIND 9', () => {
  it('after a write and rndc reload, BIND answers the new addresses with a higher serial', async (t: TestContext) => {
    const tools = requireTools(t, BIND_TOOLS, INSTALL);
    if (!tools) return;
    const bind = await startBind({ zone: ZONE });
    t.after(() => bind.stop());
    const p = provider(bind.zoneFile, { reload: [tools.rndc as string, '-c', bind.rndcConf, 'reload', ZONE] });
    const serial0 = await soaSerial(bind.port);

    assert.deepEqual(await p.read!({ name: 'api.example.test', type: 'A' }), { values: ['192.0.2.1'], ttl: 60 });
    await p.write({ name: 'api.example.test', type: 'A' }, { values: ['192.0.2.20'], ttl: 30, previous: { values: ['192.0.2.1'] } });
    assert.deepEqual(await digUntil(bind.port, 'api.example.test', 'A', ['192.0.2.20']), ['192.0.2.20'], await bind.log());
    const serial1 = await soaSerial(bind.port);
    assert.ok(serial1 > serial0, `serial ${serial1} should be above ${serial0}`);

    await p.write(APP, { values: ['192.0.2.31', '192.0.2.30'], ttl: 30, previous: null });
    assert.deepEqual(await digUntil(bind.port, APP.name, 'A', ['192.0.2.30', '192.0.2.31']), ['192.0.2.30', '192.0.2.31']);
    assert.ok((await soaSerial(bind.port)) > serial1);
    assert.deepEqual(await dig('127.0.0.1', bind.port, 'ns1.example.test', 'A'), ['127.0.0.1'], 'other records still served');
  });
});

describe('zonefile provider failure handling', () => {
  it('a failing reload restores the previous file and throws transient', async (t: TestContext) => {
    if (!requireTools(t, ['false'], 'coreutils')) return;
    const file = await withDir(freshFile());
    const original = defaultZoneText(ZONE);
    await writeFile(file, original);
    const p = provider(file, { reload: ['false'] });
    await rejectsWith(p.write(APP, { values: ['192.0.2.9'], ttl: 30, previous: null }), 'transient', /^reload failed: false exited with code 1/);
    assert.equal(await readFile(file, 'utf8'), original);
    assert.deepEqual(await readdir(join(file, '..')), [`${ZONE}.zone`], 'no temp files left behind');
  });

  it('a failing reload after creating the file removes it again', async () => {
    const file = await withDir(freshFile());
    const p = provider(file, { reload: ['/nonexistent/reload-command'] });
    await rejectsWith(p.write(APP, { values: ['192.0.2.9'], ttl: 30, previous: null }), 'transient', /reload failed: .*not found/);
    await assert.rejects(stat(file), { code: 'ENOENT' });
  });

  it('refuses to overwrite a record someone else changed since it was read (compare-and-set)', async () => {
    const file = await withDir(freshFile());
    const p = provider(file);
    await p.write(APP, { values: ['192.0.2.1'], ttl: 30, previous: null });
    const seen = await p.read!(APP);
    const edited = (await readFile(file, 'utf8')).replace('192.0.2.1', '192.0.2.77');
    await writeFile(file, edited);
    await rejectsWith(p.write(APP, { values: ['192.0.2.2'], ttl: 30, previous: seen }), 'conflict', /app\.example\.test A .* changed since it was read/);
    assert.equal(await readFile(file, 'utf8'), edited);
    // Given what the file really holds now, the write goes through.
    await p.write(APP, { values: ['192.0.2.2'], ttl: 30, previous: { values: ['192.0.2.77'] } });
    assert.deepEqual((await p.read!(APP))?.values, ['192.0.2.2']);
  });

  it('without $TTL, refuses a write that would change the TTL a server serves for a line without one, and leaves the file', async () => {
    const file = await withDir(freshFile());
    const text = ['$ORIGIN example.test.', '@ 100 IN SOA ns1 hostmaster ( 1 3600 600 86400 60 )', '  IN NS ns1', 'app 600 IN A 192.0.2.1', '    IN TXT "BIND 600, Knot and NSD 3600"', ''].join('\n');
    await writeFile(file, text);
    await rejectsWith(provider(file).write(APP, { values: ['192.0.2.2'], ttl: 30, previous: null }), 'fatal', /^zone file .*: line 5: .*no TTL.*give line 5 a TTL or add a \$TTL line$/);
    assert.equal(await readFile(file, 'utf8'), text);
  });

  it('explains a zone file in a directory that does not exist', async () => {
    const p = provider(join(baseDir, 'no-such-dir', 'example.test.zone'));
    await rejectsWith(p.write(APP, { values: ['192.0.2.1'], ttl: 30, previous: null }), 'fatal', /directory .*no-such-dir does not exist/);
  });

  it('keeps the file mode', async () => {
    const file = await withDir(freshFile());
    await writeFile(file, defaultZoneText(ZONE));
    await chmod(file, 0o640);
    await provider(file).write(APP, { values: ['192.0.2.1'], ttl: 30, previous: null });
    assert.equal((await stat(file)).mode & 0o777, 0o640);
  });

  it('rejects a name outside the zone, naming both', async () => {
    const p = provider(freshFile());
    await rejectsWith(p.write({ name: 'app.other.test', type: 'A' }, { values: ['192.0.2.1'], ttl: 30, previous: null }), 'fatal', /app\.other\.test is not inside zone example\.test/);
    await rejectsWith(p.read!({ name: 'notexample.test', type: 'A' }), 'fatal', /not inside zone/);
  });

  it('reports zone syntax errors with a line number and without the file contents', async () => {
    const file = await withDir(freshFile());
    await writeFile(file, `${defaultZoneText(ZONE)}secret IN TXT "s3cr3t-token\n`);
    const err = await rejectsWith(provider(file).read!(APP), 'fatal', /line 7: unterminated quoted string/);
    assert.doesNotMatch(err.message, /s3cr3t/);
    const inc = await withDir(freshFile());
    await writeFile(inc, `${defaultZoneText(ZONE)}$INCLUDE /etc/secret.zone\n`);
    const incErr = await rejectsWith(provider(inc).write(APP, { values: ['192.0.2.1'], ttl: 30, previous: null }), 'fatal', /\$INCLUDE is not supported/);
    assert.doesNotMatch(incErr.message, /etc\/secret/);
  });

  it('a name that holds a CNAME is read as its target, and no A record is added next to it', async () => {
    const file = await withDir(freshFile());
    const text = `${defaultZoneText(ZONE)}www IN CNAME Edge.Example.NET.\n$ORIGIN sub.${ZONE}.\nin IN CNAME api\n`;
    await writeFile(file, text);
    const p = provider(file);
    assert.deepEqual(await p.read!({ name: `www.${ZONE}`, type: 'A' }), { values: [], cname: 'edge.example.net' });
    assert.deepEqual(await p.readMany!([{ name: `in.sub.${ZONE}`, type: 'AAAA' }, APP]), [{ values: [], cname: `api.sub.${ZONE}` }, null]);
    await rejectsWith(p.write({ name: `www.${ZONE}`, type: 'A' }, { values: ['192.0.2.1'], ttl: 30, previous: null }), 'fatal', /has a CNAME record/);
    assert.equal(await readFile(file, 'utf8'), text);
  });

  it('rejects an address of the wrong family before touching the file', async () => {
    const file = freshFile();
    await rejectsWith(provider(file).write(APP, { values: ['2001:db8::1'], ttl: 30, previous: null }), 'fatal', /not an IPv4 address/);
  });
});

describe('zonefile config schema', () => {
  const parse = (v: unknown) => zonefileProvider.configSchema.safeParse(v);
  it('accepts the documented keys and rejects unknown ones', () => {
    assert.ok(parse({ type: 'zonefile', file: 'z.zone', zone: 'example.test.', reload: ['rndc', 'reload', 'example.test'], nameservers: ['ns1.example.net.'] }).success);
    assert.ok(!parse({ type: 'zonefile', file: 'z.zone', zone: 'example.test', relaod: ['x'] }).success);
    assert.ok(!parse({ type: 'zonefile', file: 'z.zone', zone: 'not a zone' }).success);
    assert.ok(!parse({ type: 'zonefile', file: 'z.zone', zone: 'example.test', reload: [] }).success);
  });

  it('resolves a relative file against ctx.baseDir', async () => {
    const p = zonefileProvider.create({ type: 'zonefile', file: 'rel/example.test.zone', zone: ZONE }, ctx());
    await withDir(join(baseDir, 'rel', 'x'));
    await p.write(APP, { values: ['192.0.2.1'], ttl: 30, previous: null });
    assert.match(await readFile(join(baseDir, 'rel', 'example.test.zone'), 'utf8'), /app\.example\.test\. 30 IN A 192\.0\.2\.1/);
  });
});
