import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startServerMock } from '../helpers/servermock.js';

/** The fake-server builder must catch what breaks a vendor's API description, or the fakes prove nothing. */
const spec = {
  source: 'a test document',
  document: {
    openapi: '3.0.3',
    paths: {
      '/zones/{zone_id}/records': {
        parameters: [{ name: 'zone_id', in: 'path', required: true, schema: { type: 'string', maxLength: 8 } }],
        get: {
          parameters: [
            { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1 } },
            { name: 'name', in: 'query', required: true, schema: { type: 'string' } },
          ],
          responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/list' } } } } },
        },
        post: {
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/record' } } } },
          responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/record' } } } } },
        },
      },
    },
    components: {
      schemas: {
        record: { type: 'object', required: ['type', 'content'], properties: { type: { type: 'string', enum: ['A', 'AAAA'] }, content: { type: 'string' }, ttl: { type: 'integer', nullable: true } } },
        list: { type: 'object', required: ['result'], properties: { result: { type: 'array', items: { $ref: '#/components/schemas/record' } } } },
      },
    },
  },
};

async function call(url: string, method: string, body?: unknown): Promise<number> {
  const res = await fetch(url, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  await res.arrayBuffer();
  return res.status;
}

describe('servermock', () => {
  it('routes by template, logs requests and passes what conforms', async () => {
    const mock = await startServerMock({
      basePath: '/v1',
      spec,
      routes: {
        'GET /zones/{zone_id}/records': (req) => ({ status: 200, body: { result: [{ type: 'A', content: req.params.zone_id!, ttl: null }] } }),
        'POST /zones/{zone_id}/records': (req) => ({ status: 200, body: req.body }),
      },
    });
    try {
      assert.equal(await call(`${mock.url}/zones/z1/records?name=a&page=2`, 'GET'), 200);
      assert.equal(await call(`${mock.url}/zones/z1/records`, 'POST', { type: 'A', content: '192.0.2.1' }), 200);
      assert.deepEqual(mock.violations, []);
      assert.equal(mock.requests.length, 2);
      assert.equal(mock.requests[1]!.route, 'POST /zones/{zone_id}/records');
    } finally {
      await mock.close();
    }
  });

  it('records every kind of violation: operation, path, query, body and answer', async () => {
    const mock = await startServerMock({
      spec,
      routes: {
        'GET /zones/{zone_id}/records': () => ({ status: 200, body: { result: [{ type: 'TXT' }] } }),
        'POST /zones/{zone_id}/records': () => ({ status: 200, body: {} }),
      },
    });
    try {
      await call(`${mock.url}/zones/z1/records/extra`, 'GET');
      await call(`${mock.url}/zones/far-too-long-id/records?name=a`, 'GET');
      await call(`${mock.url}/zones/z1/records?page=zero&colour=red`, 'GET');
      await call(`${mock.url}/zones/z1/records`, 'POST', { content: '192.0.2.1' });
      const v = mock.violations.join('\n');
      assert.match(v, /GET \/zones\/z1\/records\/extra: no such operation/);
      assert.match(v, /path \/zone_id must NOT have more than 8 characters/);
      assert.match(v, /query parameter "colour" is not in the spec/);
      assert.match(v, /required query parameter "name" is missing/);
      assert.match(v, /query \/page must be integer/);
      assert.match(v, /POST \/zones\/\{zone_id\}\/records: body \(root\) must have required property 'type'/);
      assert.match(v, /GET \/zones\/\{zone_id\}\/records: answer 200 \/result\/0 must have required property 'content'/);
    } finally {
      await mock.close();
    }
  });

  it('answers injected faults the vendor way and can hang', async () => {
    const mock = await startServerMock({ routes: { 'GET /x': () => ({ status: 200, body: {} }) }, faultReply: (f) => ({ status: f.kind === 'rate-limit' ? 429 : 503, body: { errors: ['busy'] } }) });
    try {
      mock.injectFault({ kind: 'rate-limit' });
      mock.injectFault({ kind: 'http-5xx', times: 2 });
      assert.deepEqual([await call(`${mock.url}/x`, 'GET'), await call(`${mock.url}/x`, 'GET'), await call(`${mock.url}/x`, 'GET'), await call(`${mock.url}/x`, 'GET')], [429, 503, 503, 200]);
      mock.injectFault({ kind: 'timeout' });
      await assert.rejects(fetch(`${mock.url}/x`, { signal: AbortSignal.timeout(300) }));
    } finally {
      await mock.close();
    }
  });
});
