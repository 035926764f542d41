import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ProviderError } from '../../providers/kit/errors.js';
import { loadProviderFactory } from '../../providers/index.js';
import type { Provider, ProviderFactory } from '../../providers/kit/types.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const kitBundle = pathToFileURL(join(root, 'dist', 'bundle', 'provider.mjs')).href;
const ctx = { userAgent: 'dnsfail-test', baseDir: '/' };
const A = (name: string) => ({ name, type: 'A' as const });

/**
 * A third-party provider whose batch forms fail per item: with a plain Error carrying `kind`, with the
 * ProviderError of its own copy of the kit (dist/bundle/provider.mjs: another class than dnsfail's),
 * and with an untyped Error; and whose readMany throws when asked for "boom".
 */
const MODULE = `
import { ProviderError } from ${JSON.stringify(kitBundle)};
const kinded = () => Object.assign(new Error('busy'), { kind: 'rate-limited', retryAfterMs: 5000 });
const own = () => new ProviderError('lockout', 'stop', { code: 'abuse' });
export default {
  kind: 'batchy',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: false, batch: true },
  configSchema: { safeParse: (v) => ({ success: true, data: v }) },
  create: () => ({
    async read() { throw kinded(); },
    async write() {},
    async readMany(refs) {
      if (refs.some((r) => r.name === 'boom.test')) throw Object.assign(new Error('down'), { kind: 'transient' });
      return [kinded(), own(), new Error('plain'), null];
    },
    async writeMany() { return [{ ok: false, error: kinded() }, { ok: false, error: own() }, { ok: false, error: new Error('plain') }, { ok: true }]; },
  }),
};
`;

describe('the registry adopts a third-party provider\'s errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-registry-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'batchy.mjs'), MODULE);
  const create = async (): Promise<Provider> => {
    const found = await loadProviderFactory('./batchy.mjs', dir);
    assert.ok('factory' in found, JSON.stringify(found));
    return (found.factory as ProviderFactory<unknown>).create({}, ctx);
  };
  const isKind = (e: unknown, kind: string) => e instanceof ProviderError && e.kind === kind;

  it('read: a thrown Error with a kind becomes a ProviderError of that kind', async () => {
    const p = await create();
    await assert.rejects(p.read!(A('a.test')), (e: unknown) => isKind(e, 'rate-limited') && (e as ProviderError).retryAfterMs === 5000);
  });

  it('readMany: the errors in its answer are typed, a plain Error and null stay as they are', async () => {
    const p = await create();
    const [kinded, own, plain, missing] = await p.readMany!([A('a.test'), A('b.test'), A('c.test'), A('d.test')]);
    assert.ok(isKind(kinded, 'rate-limited'), String(kinded));
    assert.ok(isKind(own, 'lockout') && (own as ProviderError).code === 'abuse', 'the ProviderError of the published kit is adopted');
    assert.ok(plain instanceof Error && !(plain instanceof ProviderError));
    assert.equal(missing, null);
  });

  it('readMany: a thrown error is typed too', async () => {
    const p = await create();
    await assert.rejects(p.readMany!([A('boom.test')]), (e: unknown) => isKind(e, 'transient'));
  });

  it('writeMany: the error of each failed item is typed', async () => {
    const p = await create();
    const results = await p.writeMany!([A('a.test'), A('b.test'), A('c.test'), A('d.test')].map((ref) => ({ ref, req: { values: ['192.0.2.1'], ttl: 60, previous: null } })));
    const errors = results.map((r) => (r.ok ? undefined : r.error));
    assert.ok(isKind(errors[0], 'rate-limited'));
    assert.ok(isKind(errors[1], 'lockout'));
    assert.ok(errors[2] instanceof Error && !(errors[2] instanceof ProviderError));
    assert.deepEqual(results[3], { ok: true });
  });
});
