import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as z from 'zod/mini';
import { doc, optional } from '../../providers/kit/schema.js';

describe('zod-kit', () => {
  it('doc() registers the description on the schema itself, without a clone', () => {
    const s = z.string();
    assert.equal(doc(s, 'a key'), s);
    assert.equal(z.globalRegistry.get(s)?.description, 'a key');
  });

  it('doc() refuses a schema that already has a description (a shared one would show the wrong text)', () => {
    const shared = doc(z.string(), 'first');
    assert.throws(() => doc(shared, 'second'), /already has a description/);
    assert.equal(z.globalRegistry.get(shared)?.description, 'first');
  });

  it('optional() documents the optional wrapper, not the inner schema', () => {
    const inner = z.number();
    const o = optional(inner, 'a number');
    assert.equal(z.globalRegistry.get(o)?.description, 'a number');
    assert.equal(z.globalRegistry.has(inner), false);
    assert.equal(o.safeParse(undefined).success, true);
  });

  it('messages are English, not zod/mini\'s bare "Invalid input"', () => {
    const r = z.strictObject({ port: z.number() }).safeParse({ port: 'x' });
    assert.equal(r.success, false);
    assert.match(r.error!.issues[0]!.message, /expected number, received string/);
  });
});
