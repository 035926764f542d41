import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { cloudflareConfigSchema, createCloudflareProvider } from '../../providers/cloudflare/index.js';
import { OWNER_COMMENT } from '../../providers/cloudflare/parse.js';
import { ProviderError } from '../../providers/kit/errors.js';
import type { Provider, RecordRef } from '../../providers/kit/types.js';
import { assertConforms, startCloudflareFake, type CloudflareFake } from '../fakes/cloudflare.js';

// The provider against answers shaped exactly by Cloudflare's API description, 2024 (result_info
// without total_pages) and 2026 (records without content), and the fake's own rules.

const TOKEN = `cf-answers-${randomBytes(16).toString('hex')}`;
const ctx = { userAgent: 'dnsfail/test (+contract)', baseDir: '/' };
const A = (name: string): RecordRef => ({ name, type: 'A' });
const providerFor = (fake: CloudflareFake): Provider =>
  createCloudflareProvider(cloudflareConfigSchema.parse({ type: 'cloudflare', token: TOKEN, endpoint: fake.url }), ctx, { timeoutMs: 500 });

describe('cloudflare paging against spec-exact 2024 answers (result_info without total_pages)', () => {
  let fake: CloudflareFake;
  const zones = Array.from({ length: 60 }, (_, i) => `z${String(i).padStart(2, '0')}.test`);
  before(async () => {
    fake = await startCloudflareFake({ token: TOKEN, zones, envelope: '2024' });
    // More records in z55.test than a page of the whole-zone listing holds (capped at 3 below).
    for (let i = 0; i < 7; i++) fake.addRecord('z55.test', { type: 'TXT', name: `t${i}.z55.test`, content: `filler ${i}` });
    fake.addRecord('z55.test', { type: 'A', name: 'app.z55.test', content: '192.0.2.1', ttl: 60, comment: 'hand made' });
    fake.addRecord('z55.test', { type: 'A', name: 'app.z55.test', content: '192.0.2.2', ttl: 60, comment: OWNER_COMMENT });
    fake.addRecord('z55.test', { type: 'A', name: 'web.z55.test', content: '192.0.2.3', ttl: 60 });
    fake.setMaxPerPage(3);
  });
  after(async () => {
    await fake.close();
    assertConforms(fake, '2024 paging');
  });

  it('finds a zone listed after the first 50, and reads records beyond the first page', async () => {
    const p = providerFor(fake);
    const r0 = fake.requests.length;
    const got = await p.readMany!([A('app.z55.test'), A('web.z55.test')]);
    assert.deepEqual(got, [{ values: ['192.0.2.1', '192.0.2.2'], ttl: 60 }, { values: ['192.0.2.3'], ttl: 60 }]);
    const seen = fake.requests.slice(r0).map((r) => `${r.path === '/zones' ? 'zones' : 'records'} ${r.query.page}`);
    assert.deepEqual(seen, ['zones 1', 'zones 2', 'records 1', 'records 2', 'records 3', 'records 4'], 'zones: 50 + a short page of 10; records: 10 in pages of 3');
    assert.ok(fake.requests.slice(r0).every((r) => r.query.per_page !== undefined));
  });

  it('in sync across pages: no write, so nothing is posted twice', async () => {
    const before = fake.mutations;
    const results = await providerFor(fake).writeMany!([
      { ref: A('app.z55.test'), req: { values: ['192.0.2.1', '192.0.2.2'], ttl: 60, previous: null } },
      { ref: A('web.z55.test'), req: { values: ['192.0.2.3'], ttl: 60, previous: null } },
    ]);
    assert.deepEqual(results, [{ ok: true }, { ok: true }]);
    assert.equal(fake.mutations, before);
  });

  it('a failover of a record on the last page patches it in place', async () => {
    await providerFor(fake).write(A('web.z55.test'), { values: ['192.0.2.9'], ttl: 60, previous: { values: ['192.0.2.3'], ttl: 60 } });
    assert.deepEqual(fake.lookup('web.z55.test', 'A'), ['192.0.2.9']);
    assert.deepEqual(fake.requests.at(-1)!.body, { type: 'A', name: 'web.z55.test', content: '192.0.2.9', ttl: 60 });
  });
});

describe('cloudflare: records it does not manage never break the read (2026 answers, content optional)', () => {
  let fake: CloudflareFake;
  before(async () => {
    fake = await startCloudflareFake({ token: TOKEN, zones: ['odd.test'], envelope: '2026' });
    fake.addRawRecord('odd.test', { type: 'SRV', name: '_sip._tcp.odd.test', ttl: 300, proxied: false, data: { priority: 10, weight: 5, port: 5060, target: 'sip.odd.test' } });
    fake.addRawRecord('odd.test', { type: 'HTTPS', name: 'app.odd.test', ttl: 300, proxied: false, data: { priority: 1, target: '.', value: 'alpn="h2"' } });
    fake.addRecord('odd.test', { type: 'A', name: 'app.odd.test', content: '192.0.2.1', ttl: 60 });
    fake.addRecord('odd.test', { type: 'A', name: 'other.odd.test', content: '192.0.2.5', ttl: 60 });
  });
  after(async () => {
    await fake.close();
    assertConforms(fake, '2026 odd records');
  });

  it('a record without content of another type, even at the managed name, is skipped', async () => {
    const p = providerFor(fake);
    assert.deepEqual(await p.read!(A('app.odd.test')), { values: ['192.0.2.1'], ttl: 60 });
    assert.deepEqual(await p.readMany!([A('app.odd.test'), A('other.odd.test')]), [{ values: ['192.0.2.1'], ttl: 60 }, { values: ['192.0.2.5'], ttl: 60 }]);
    await p.write(A('app.odd.test'), { values: ['192.0.2.2'], ttl: 60, previous: { values: ['192.0.2.1'], ttl: 60 } });
    assert.deepEqual(fake.lookup('app.odd.test', 'A'), ['192.0.2.2']);
  });

  it('an A record without content at a managed name is an error for that name, never "missing", and nothing is written', async () => {
    fake.addRawRecord('odd.test', { type: 'A', name: 'broken.odd.test', ttl: 60, proxied: false });
    const p = providerFor(fake);
    const isUnreadable = (e: unknown) => e instanceof ProviderError && e.kind === 'transient' && /the A record broken\.odd\.test has no content/.test(e.message);
    await assert.rejects(p.read!(A('broken.odd.test')), isUnreadable);
    const [broken, other] = await p.readMany!([A('broken.odd.test'), A('other.odd.test')]);
    assert.ok(isUnreadable(broken), String(broken));
    assert.deepEqual(other, { values: ['192.0.2.5'], ttl: 60 }, 'the other names of the zone still read');
    const before = fake.mutations;
    const results = await p.writeMany!([
      { ref: A('broken.odd.test'), req: { values: ['192.0.2.7'], ttl: 60, previous: null } },
      { ref: A('other.odd.test'), req: { values: ['192.0.2.6'], ttl: 60, previous: null } },
    ]);
    assert.ok(!results[0]!.ok && isUnreadable(results[0]!.error));
    assert.deepEqual(results[1], { ok: true });
    assert.equal(fake.mutations - before, 1, 'only other.odd.test was written');
    assert.equal(fake.records('broken.odd.test', 'A').length, 1, 'no second A record was posted beside the broken one');
  });

  it('2026 answers, pages of one record: every record is read and no page past the last is asked for', async () => {
    fake.setMaxPerPage(1);
    const r0 = fake.requests.length;
    assert.deepEqual(await providerFor(fake).readMany!([A('app.odd.test'), A('other.odd.test')]), [{ values: ['192.0.2.2'], ttl: 60 }, { values: ['192.0.2.6'], ttl: 60 }]);
    const lists = fake.requests.slice(r0).filter((r) => r.path.endsWith('/dns_records'));
    assert.equal(lists.length, fake.records().length);
    fake.setMaxPerPage(5_000_000);
  });
});

describe('the Cloudflare fake itself', () => {
  let fake: CloudflareFake;
  const api = async (method: string, path: string, body?: unknown, token = TOKEN) => {
    const res = await fetch(`${fake.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, headers: res.headers, data: (await res.json()) as { success: boolean; errors: { code: number }[]; result: any; result_info?: any } };
  };
  before(async () => {
    fake = await startCloudflareFake({ token: TOKEN, zones: ['example.com'] });
  });
  after(async () => {
    await fake.close();
    // The one request sent broken on purpose (an A record whose content is not an address) is caught by the spec check too.
    assert.deepEqual(fake.violations, [
      'POST /zones/{zone_id}/dns_records/batch: body /posts/0/content must match format "ipv4"; /posts/0/type must be equal to one of the allowed values; /posts/0/content must match format "ipv6"; /posts/0/type must be equal to one of the allowed values; /posts/0 must match exactly one schema in oneOf',
    ]);
  });

  it('a batch is all-or-nothing: a failing post undoes the deletes before it', async () => {
    const zid = fake.zone('example.com')!.id;
    const r = fake.addRecord('example.com', { type: 'A', name: 'batch.example.com', content: '192.0.2.1' });
    const res = await api('POST', `/zones/${zid}/dns_records/batch`, { deletes: [{ id: r.id }], posts: [{ type: 'A', name: 'batch.example.com', content: 'not-an-ip', ttl: 60 }] });
    assert.equal(res.status, 400);
    assert.equal(res.data.errors[0]!.code, 9005);
    assert.deepEqual(fake.lookup('batch.example.com', 'A'), ['192.0.2.1']);
    const ok = await api('POST', `/zones/${zid}/dns_records/batch`, { deletes: [{ id: r.id }], posts: [{ type: 'A', name: 'batch.example.com', content: '192.0.2.1', ttl: 60 }] });
    assert.equal(ok.status, 200, JSON.stringify(ok.data));
    assert.equal(ok.data.result.deletes[0].id, r.id);
    assert.notEqual(ok.data.result.posts[0].id, r.id, 'deletes run before posts, so the same content can be re-created');
  });

  it('validates records like the API: TTL, identical records, names relative to the zone, auth', async () => {
    const zid = fake.zone('example.com')!.id;
    const post = (body: unknown, token?: string) => api('POST', `/zones/${zid}/dns_records`, body, token);
    assert.equal((await post({ type: 'A', name: 'v.example.com', content: '192.0.2.1', ttl: 30 })).data.errors[0]!.code, 9021);
    assert.equal((await post({ type: 'A', name: 'v.example.com', content: '192.0.2.1', ttl: 1 })).status, 200);
    assert.equal((await post({ type: 'A', name: 'v.example.com', content: '192.0.2.1', ttl: 60 })).data.errors[0]!.code, 81058);
    assert.equal((await post({ type: 'A', name: 'v.other.com', content: '192.0.2.1', ttl: 60 })).data.result.name, 'v.other.com.example.com');
    const denied = await post({ type: 'A', name: 'w.example.com', content: '192.0.2.1' }, 'wrong');
    assert.equal(denied.status, 403);
    assert.equal(denied.data.errors[0]!.code, 9109);
    const list = await api('GET', `/zones/${zid}/dns_records?per_page=1&page=2`);
    assert.deepEqual(Object.keys(list.data.result_info).sort(), ['count', 'page', 'per_page', 'total_count'], 'the 2024 envelope: no total_pages');
    assert.equal(list.data.result.length, 1);
  });
});
