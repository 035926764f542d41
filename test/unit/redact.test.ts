import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { clearSecrets, redact, registerSecret } from '../../providers/kit/redact.js';

describe('redact', () => {
  afterEach(() => clearSecrets());

  it('hides a registered secret as given and URL-encoded', () => {
    registerSecret('p@ss/word+1');
    assert.equal(redact('sent p@ss/word+1 to ?key=p%40ss%2Fword%2B1'), 'sent *** to ?key=***');
  });

  it('hides credential headers echoed back by a server, whatever the value', () => {
    const echo = 'GET /nic/update\nauthorization: Basic ZG5zZmFpbDpodW50ZXIy\nX-API-Key: abc123def\n{"x-amz-security-token":"FQoGZXIvYXdzEJr"}';
    assert.equal(redact(echo), 'GET /nic/update\nauthorization: Basic ***\nX-API-Key: ***\n{"x-amz-security-token":"***"}');
    assert.equal(redact('Authorization: Bearer tok.en-1'), 'Authorization: Bearer ***');
  });

  it('leaves short values and ordinary text alone', () => {
    registerSecret('abc');
    assert.equal(redact('abc authorization failed'), 'abc authorization failed');
    assert.equal(redact('API token (sent as Authorization: Bearer) with Zone:DNS:Edit'), 'API token (sent as Authorization: Bearer) with Zone:DNS:Edit');
  });
});
