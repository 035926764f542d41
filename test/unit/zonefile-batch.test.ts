import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ProviderError, type ProviderErrorKind } from '../../providers/kit/errors.js';
import type { CurrentRecord, ItemResult, Provider, RecordRef, WriteItem } from '../../providers/kit/types.js';
import { createZonefileProvider, type ZonefileConfig } from '../../providers/zonefile/index.js';
import { findApexSoa } from '../../providers/zonefile/zone-text.js';

const ZONE = 'example.test';
const NOW = new Date('2024-05-06T12:00:00Z');
const HEAD = ['$ORIGIN example.test.', '$TTL 300', '@ IN SOA ns1 hostmaster ( 7 3600 600 86400 60 )', '  IN NS ns1', 'ns1 IN A 127.0.0.1'];
const zoneText = (...lines: string[]) => `${[...HEAD, ...lines].join('\n')}\n`;
const ref = (i: number): RecordRef => ({ name: `r${i}.${ZONE}`, type: 'A' });
const addr = (net: string, i: number) => `${net}.${(i % 250) + 1}`;

let baseDir = '';
before(async () => {
  baseDir = await mkdtemp(join(tmpdir(), 'dnsfail-zf-batch-unit-'));
});
after(() => rm(baseDir, { recursive: true, force: true }));

let dirs = 0;
/** A fresh directory with the zone file (when text is given) and a reload command that counts its runs. */
async function setup(text: string | null, extra: Partial<ZonefileConfig> = {}) {
  const dir = join(baseDir, `d${++dirs}`);
  await mkdir(dir);
  const file = join(dir, `${ZONE}.zone`);
  const log = join(dir, 'reloads.log');
  if (text !== null) await writeFile(file, text);
  const config: ZonefileConfig = { type: 'zonefile', file, zone: ZONE, reload: ['sh', '-c', 'echo reload >> "$0"', log], ...extra };
  const p = createZonefileProvider(config, { userAgent: 'dnsfail-test', baseDir: dir }, { now: () => NOW });
  const reloads = async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  const serial = async () => Number(findApexSoa(await readFile(file, 'utf8'), ZONE)?.rdata[2]?.text);
  return { dir, file, p, reloads, serial };
}

const newItems = (from: number, to: number, net = '198.51.100'): WriteItem[] =>
  Array.from({ length: to - from }, (_, k) => ({ ref: ref(from + k), req: { values: [addr(net, from + k)], ttl: 60, previous: null } }));
const assertAllOk = (results: ItemResult[]) =>
  assert.deepEqual(results.flatMap((r, i) => (r.ok ? [] : [`${i}: ${String(r.error)}`])), []);
const errorOf = (r: ItemResult | undefined, kind: ProviderErrorKind): ProviderError => {
  assert.ok(r && !r.ok, 'the item failed');
  assert.ok(r.error instanceof ProviderError && r.error.kind === kind, `a ${kind} error, got ${String(r.error)}`);
  return r.error;
};
const valuesOf = async (p: Provider, refs: RecordRef[]) => (await p.readMany!(refs)).map((c) => (c instanceof Error ? c.message : (c?.values ?? null)));

describe('zonefile writeMany', () => {
  it('bumps the SOA serial once and runs the reload once for a batch of 100 changes', async () => {
    const { p, reloads, serial } = await setup(zoneText());
    assertAllOk(await p.writeMany!(newItems(0, 100)));
    assert.equal(await serial(), 8, 'serial 7 -> 8, not 7 + 100');
    assert.equal(await reloads(), 1);
    assert.deepEqual(await valuesOf(p, newItems(0, 100).map((i) => i.ref)), newItems(0, 100).map((i) => i.req.values));
  });

  it('runs one reload per batch, whatever its size, and none for a batch with nothing to change', async () => {
    const { p, reloads, serial } = await setup(zoneText());
    assertAllOk(await p.writeMany!(newItems(0, 3)));
    assertAllOk(await p.writeMany!(newItems(3, 40)));
    assert.equal(await reloads(), 2);
    const previous = await p.readMany!(newItems(0, 40).map((i) => i.ref));
    const same = newItems(0, 40).map((it, i) => ({ ...it, req: { ...it.req, previous: previous[i] as CurrentRecord } }));
    assertAllOk(await p.writeMany!(same));
    assert.equal(await reloads(), 2, 'unchanged records: no rewrite, no reload');
    assert.equal(await serial(), 9);
  });

  it('creates a missing file once, with all records of the batch', async () => {
    const { p, file, reloads } = await setup(null, { nameservers: ['ns1.example.net.'] });
    assert.deepEqual(await p.readMany!([ref(0), ref(1)]), [null, null], 'a missing file reads as no records');
    assertAllOk(await p.writeMany!(newItems(0, 10)));
    assert.equal(await reloads(), 1);
    const text = await readFile(file, 'utf8');
    assert.match(text, /^@ IN NS ns1\.example\.net\.\nr0\.example\.test\. 60 IN A 198\.51\.100\.1\n/m);
    assert.equal(findApexSoa(text, ZONE)?.rdata[2]?.text, '2024050600');
  });

  it('a conflict on one item fails that item only; the others are written in the same rewrite', async () => {
    const { p, file, reloads, serial } = await setup(zoneText(...Array.from({ length: 10 }, (_, i) => `r${i} IN A ${addr('198.51.100', i)}`)));
    const previous = await p.readMany!(newItems(0, 10).map((i) => i.ref));
    await writeFile(file, (await readFile(file, 'utf8')).replace('r4 IN A 198.51.100.5', 'r4 IN A 192.0.2.254'));
    const results = await p.writeMany!(newItems(0, 10, '203.0.113').map((it, i) => ({ ...it, req: { ...it.req, previous: previous[i] as CurrentRecord } })));
    assert.match(errorOf(results[4], 'conflict').message, /r4\.example\.test A .* changed since it was read/);
    assertAllOk(results.filter((_, i) => i !== 4));
    const now = await valuesOf(p, newItems(0, 10).map((i) => i.ref));
    assert.deepEqual(now[4], ['192.0.2.254'], 'the edited record is left as edited');
    assert.deepEqual(now.filter((_, i) => i !== 4), newItems(0, 10, '203.0.113').filter((_, i) => i !== 4).map((i) => i.req.values));
    assert.deepEqual([await reloads(), await serial()], [1, 8]);
  });

  it('an invalid address or a name outside the zone fails that item (fatal); the others proceed', async () => {
    const { p } = await setup(zoneText('cn IN CNAME elsewhere.example.net.'));
    const items: WriteItem[] = [
      ...newItems(0, 2),
      { ref: ref(2), req: { values: ['2001:db8::1'], ttl: 60, previous: null } },
      { ref: { name: 'x.other.test', type: 'A' }, req: { values: ['192.0.2.1'], ttl: 60, previous: null } },
      { ref: { name: `cn.${ZONE}`, type: 'A' }, req: { values: ['192.0.2.1'], ttl: 60, previous: null } },
      ...newItems(5, 7),
    ];
    const results = await p.writeMany!(items);
    assert.match(errorOf(results[2], 'fatal').message, /not an IPv4 address/);
    assert.match(errorOf(results[3], 'fatal').message, /x\.other\.test is not inside zone example\.test/);
    assert.match(errorOf(results[4], 'fatal').message, /cn\.example\.test has a CNAME record/);
    assertAllOk([results[0]!, results[1]!, results[5]!, results[6]!]);
    assert.deepEqual(await valuesOf(p, [ref(0), ref(1), ref(5), ref(6)]), [0, 1, 5, 6].map((i) => [addr('198.51.100', i)]));
  });

  it('a failed reload restores the file and fails every item of the rewrite with the transient error', async () => {
    const original = zoneText('r9 IN A 192.0.2.9');
    const { p, file, dir } = await setup(original, { reload: ['false'] });
    // Every item shares the one failure: thrown, so the engine retries the batch as a whole.
    await assert.rejects(p.writeMany!(newItems(0, 50)), (e: unknown) => {
      assert.ok(e instanceof ProviderError && e.kind === 'transient', String(e));
      assert.match(e.message, /^reload failed: false exited with code 1; .* was restored$/);
      return true;
    });
    assert.equal(await readFile(file, 'utf8'), original);

    // With an item that fails on its own, the others carry the reload's error each.
    const results = await p.writeMany!([...newItems(0, 3), { ref: ref(9), req: { values: ['192.0.2.10'], ttl: 60, previous: { values: ['192.0.2.99'] } } }]);
    errorOf(results[3], 'conflict');
    const transient = errorOf(results[0], 'transient');
    assert.ok(results.slice(0, 3).every((r) => !r.ok && r.error === transient));
    assert.equal(await readFile(file, 'utf8'), original);
    assert.deepEqual(await readdir(dir), [`${ZONE}.zone`], 'no temp files left behind');
  });

  it('concurrent batches and single writes to one file all land (one read-modify-write at a time)', async () => {
    const { p, file } = await setup(zoneText());
    const other = createZonefileProvider({ type: 'zonefile', file, zone: ZONE }, { userAgent: 'dnsfail-test', baseDir: '/' });
    await Promise.all([
      p.writeMany!(newItems(0, 30)).then(assertAllOk),
      p.writeMany!(newItems(30, 60)).then(assertAllOk),
      other.writeMany!(newItems(60, 90)).then(assertAllOk),
      ...newItems(90, 95).map((it) => p.write(it.ref, it.req)),
    ]);
    assert.deepEqual(await valuesOf(p, newItems(0, 95).map((i) => i.ref)), newItems(0, 95).map((i) => i.req.values));
  });

  it('applies 2,000 replacements to a 5,000-record zone in one rewrite, the rest of the file byte for byte', async (t) => {
    const N = 5000;
    const lines = Array.from({ length: N }, (_, i) => (i % 10 === 9 ? `; r${i} is next\nr${i} IN A ${addr('198.51.100', i)}` : `r${i} IN A ${addr('198.51.100', i)}`));
    const { p, file, reloads, serial } = await setup(zoneText(...lines));
    const refs = Array.from({ length: N }, (_, i) => ref(i));

    const previous = await p.readMany!(refs);
    assert.deepEqual(previous.map((c) => (c instanceof Error ? c.message : c?.values)), refs.map((_, i) => [addr('198.51.100', i)]));

    const changed = refs.flatMap((_, i) => (i % 5 < 2 ? [i] : [])); // 2,000 of them, spread over the file
    assert.equal(changed.length, 2000);
    const t0 = performance.now();
    const results = await p.writeMany!(changed.map((i) => ({ ref: refs[i]!, req: { values: [addr('203.0.113', i)], ttl: 30, previous: previous[i] as CurrentRecord } })));
    t.diagnostic(`writeMany of 2,000 in a 5,000-record zone: ${Math.round(performance.now() - t0)} ms`);
    assertAllOk(results);

    const isChanged = new Set(changed);
    const expected = zoneText(...lines.map((l, i) => (isChanged.has(i) ? l.replace(/r\d+ IN A .*$/, `r${i}.example.test. 30 IN A ${addr('203.0.113', i)}`) : l))).replace(
      '( 7 3600',
      '( 8 3600',
    );
    assert.equal(await readFile(file, 'utf8'), expected);
    assert.deepEqual([await reloads(), await serial()], [1, 8]);
  });
});

describe('zonefile readMany', () => {
  it('reads every ref from one parse; a name outside the zone is an error in its slot only', async () => {
    const { p } = await setup(zoneText('a IN A 192.0.2.1', '  IN A 192.0.2.2', 'a 30 IN AAAA 2001:DB8::1', 'b IN TXT "x"'));
    const got = await p.readMany!([
      { name: `a.${ZONE}`, type: 'A' },
      { name: 'a.other.test', type: 'A' },
      { name: `A.${ZONE}.`, type: 'AAAA' },
      { name: `b.${ZONE}`, type: 'A' },
    ]);
    assert.deepEqual(got[0], { values: ['192.0.2.1', '192.0.2.2'], ttl: 300 });
    assert.ok(got[1] instanceof ProviderError && got[1].kind === 'fatal' && /not inside zone/.test(got[1].message));
    assert.deepEqual(got[2], { values: ['2001:db8::1'], ttl: 30 });
    assert.equal(got[3], null);
  });

  it('an unparseable zone is the same fatal error in every in-zone slot, as read() throws it', async () => {
    const { p } = await setup(`${zoneText()}bad IN TXT "unterminated\n`);
    const got = await p.readMany!([ref(0), ref(1), { name: 'x.other.test', type: 'A' }]);
    assert.ok(got[0] instanceof ProviderError && got[0].kind === 'fatal' && /line 6: unterminated quoted string/.test(got[0].message));
    assert.equal(got[1], got[0]);
    assert.match((got[2] as Error).message, /not inside zone/);
    await assert.rejects(p.read!(ref(0)), { message: (got[0] as Error).message });
  });
});
