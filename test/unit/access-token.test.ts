import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accessTokenOf, cachedAccessToken } from '../../providers/kit/access-token.js';
import { ProviderError } from '../../providers/kit/errors.js';

describe('access tokens (azure, googleclouddns)', () => {
  it('reads access_token and expires_in, with a default lifetime when expires_in is missing', () => {
    assert.deepEqual(accessTokenOf({ access_token: 'a', expires_in: '3599' }, 'Login', 1000), { token: 'a', expiresAt: 1000 + 3_599_000 });
    assert.deepEqual(accessTokenOf({ access_token: 'a' }, 'Login', 0), { token: 'a', expiresAt: 300_000 });
  });

  it('an answer without a token is a transient error naming the endpoint', () => {
    assert.throws(() => accessTokenOf({ error: 'x' }, 'Azure login'), (e: unknown) => e instanceof ProviderError && e.kind === 'transient' && /^Azure login: the answer holds no access_token/.test(e.message));
  });

  it('fetches once while the token is good', async () => {
    let fetches = 0;
    const get = cachedAccessToken(async () => ({ token: `t${++fetches}`, expiresAt: Date.now() + 3_600_000 }));
    assert.deepEqual([await get(), await get(), await get()], ['t1', 't1', 't1']);
    assert.equal(fetches, 1);
  });

  it('fetches again when the token is about to expire, and after a failed fetch', async () => {
    let fetches = 0;
    let failNext = false;
    const get = cachedAccessToken(async () => {
      fetches++;
      if (failNext) {
        failNext = false;
        throw new ProviderError('transient', 'down');
      }
      return { token: `t${fetches}`, expiresAt: Date.now() + 30_000 }; // inside the renewal margin
    });
    assert.equal(await get(), 't1');
    assert.equal(await get(), 't2');
    failNext = true;
    await assert.rejects(get());
    assert.equal(await get(), 't4');
  });
});
