import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awsModelDescription, type ServiceModel } from '../helpers/aws-model.js';
import { startServerMock } from '../helpers/servermock.js';
import { forwardTo } from '../helpers/servermock-forward.js';

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

/** A rest-xml service model in botocore's form, cut to what the walker reads. */
const NS = 'https://example.test/doc/2020-01-01/';
const model: ServiceModel = {
  metadata: { apiVersion: '2020-01-01', protocol: 'rest-xml' },
  operations: {
    PutThing: {
      name: 'PutThing',
      http: { method: 'POST', requestUri: '/2020-01-01/zone/{Id}/thing/' },
      input: { shape: 'PutThingRequest', locationName: 'PutThingRequest', xmlNamespace: { uri: NS } },
      output: { shape: 'PutThingResponse' },
      errors: [{ shape: 'NoSuchZone' }],
    },
    ListThings: { name: 'ListThings', http: { method: 'GET', requestUri: '/2020-01-01/zone/{Id}/thing' }, input: { shape: 'ListThingsRequest' }, output: { shape: 'ListThingsResponse' } },
  },
  shapes: {
    Id: { type: 'string', max: 8 },
    PutThingRequest: { type: 'structure', required: ['ZoneId', 'Things'], members: { ZoneId: { shape: 'Id', location: 'uri', locationName: 'Id' }, Comment: { shape: 'Text' }, Things: { shape: 'Things' } } },
    ListThingsRequest: { type: 'structure', required: ['ZoneId'], members: { ZoneId: { shape: 'Id', location: 'uri', locationName: 'Id' }, Kind: { shape: 'Kind', location: 'querystring', locationName: 'kind' } } },
    Things: { type: 'list', member: { shape: 'Thing', locationName: 'Thing' }, min: 1 },
    Thing: { type: 'structure', required: ['Kind'], members: { Kind: { shape: 'Kind' }, Count: { shape: 'Count' } } },
    Kind: { type: 'string', enum: ['A', 'AAAA'] },
    Count: { type: 'long', min: 0, max: 10 },
    Text: { type: 'string', max: 5 },
    When: { type: 'timestamp' },
    PutThingResponse: { type: 'structure', required: ['At'], members: { At: { shape: 'When' }, Done: { shape: 'Flag' } } },
    ListThingsResponse: { type: 'structure', required: ['Things'], members: { Things: { shape: 'Things' } } },
    Flag: { type: 'boolean' },
    NoSuchZone: { type: 'structure', members: {}, error: { httpStatusCode: 404 }, exception: true },
  },
};
const thing = (inner: string, ns = NS) => `<?xml version="1.0"?><PutThingRequest xmlns="${ns}">${inner}</PutThingRequest>`;

async function call(url: string, method: string, body?: unknown): Promise<number> {
  const xml = typeof body === 'string';
  const res = await fetch(url, { method, ...(body === undefined ? {} : { body: xml ? body : JSON.stringify(body), headers: { 'content-type': xml ? 'application/xml' : 'application/json' } }) });
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

  it('checks requests against an AWS service model and writes answers from its output shapes', async () => {
    const aws = awsModelDescription(model, 'a test model', NS, ['AccessDenied']);
    const mock = await startServerMock({
      description: aws,
      routes: {
        'POST /2020-01-01/zone/{Id}/thing/': (req) => (req.params.Id === 'gone' ? { status: 404, body: '<ErrorResponse><Error><Code>NoSuchZone</Code></Error></ErrorResponse>' } : { status: 200, body: aws.encode('PutThing', { At: new Date(0), Done: true }) }),
        'GET /2020-01-01/zone/{Id}/thing': (req) => ({ status: 200, body: req.query.kind === 'bad' ? '<ListThingsResponse><Things/></ListThingsResponse>' : aws.encode('ListThings', { Things: [{ Kind: 'A', Count: 1 }] }) }),
      },
    });
    try {
      assert.equal(await call(`${mock.url}/2020-01-01/zone/z1/thing/`, 'POST', thing('<Comment>hi</Comment><Things><Thing><Kind>A</Kind><Count>3</Count></Thing></Things>')), 200);
      assert.equal(await call(`${mock.url}/2020-01-01/zone/z1/thing?kind=AAAA`, 'GET'), 200);
      assert.equal(await call(`${mock.url}/2020-01-01/zone/gone/thing/`, 'POST', thing('<Things><Thing><Kind>A</Kind></Thing></Things>')), 404);
      assert.deepEqual(mock.violations, []);
      assert.equal(mock.validated, 3);
      assert.match(mock.requests[0]!.answer!, /^<\?xml[^>]*>\n<PutThingResponse xmlns="https:\/\/example\.test\/doc\/2020-01-01\/"><At>1970-01-01T00:00:00\.000Z<\/At><Done>true<\/Done><\/PutThingResponse>$/);
      assert.equal(mock.requests[1]!.url, '/2020-01-01/zone/z1/thing?kind=AAAA');
      assert.equal(mock.requests[1]!.remoteAddress, '127.0.0.1');
      assert.equal(mock.requests[2]!.status, 404);
      assert.throws(() => aws.encode('PutThing', { At: new Date(0), Colour: 'red' }), /PutThingResponse has no member Colour/);

      await call(`${mock.url}/2020-01-01/zone/z1/thing`, 'POST', thing('<Things/>'));
      await call(`${mock.url}/2020-01-01/zone/far-too-long/thing?kind=AAA&page=2`, 'GET');
      await call(`${mock.url}/2020-01-01/zone/z1/thing/`, 'POST', thing('<Things><Thing><Count>11</Count><Kind>MX</Kind><Colour/></Thing></Things><Comment>far too long</Comment>'));
      await call(`${mock.url}/2020-01-01/zone/z1/thing/`, 'POST', thing('<Things><Thing><Kind>A</Kind></Thing></Things>', 'urn:other'));
      await call(`${mock.url}/2020-01-01/zone/z1/thing/`, 'POST', '<Other/>');
      await call(`${mock.url}/2020-01-01/zone/z1/thing?kind=bad`, 'GET');
      const v = mock.violations.join('\n');
      assert.match(v, /POST \/2020-01-01\/zone\/z1\/thing: no such operation in a test model/);
      assert.match(v, /ListThings .* uri "Id": "far-too-long" is longer than 8 \(Id\)/);
      assert.match(v, /querystring "kind": "AAA" is not one of A, AAAA \(Kind\)/);
      assert.match(v, /query parameter "page" is not in the model/);
      assert.match(v, /Thing: <Kind> is out of the model's order \(Kind, Count\)/);
      assert.match(v, /Thing\/Count: "11" is outside 0\.\.10 \(Count\)/);
      assert.match(v, /Thing\/Kind: "MX" is not one of A, AAAA/);
      assert.match(v, /<Colour> is not a member of Thing/);
      assert.match(v, /PutThingRequest: <Comment> is out of the model's order/);
      assert.match(v, /PutThingRequest\/Comment: "far too long" is longer than 5/);
      assert.match(v, /the body is not in the namespace https:\/\/example\.test\/doc\/2020-01-01\//);
      assert.match(v, /the body's root is <Other>, not <PutThingRequest>/);
      assert.match(v, /ListThings answer 200: the answer is not in the namespace/);
      const before = mock.violations.length;
      await call(`${mock.url}/2020-01-01/zone/z1/thing/`, 'POST', thing('<Things></Things>'));
      assert.match(mock.violations.slice(before).join('\n'), /PutThingRequest\/Things: fewer than 1 <Thing> \(Things\)/);
    } finally {
      await mock.close();
    }
  });
  it('forwards to a real server with a "*" route, and checks both what is sent and what comes back', async () => {
    const upstream = await startServerMock({
      basePath: '/v1',
      routes: {
        'POST /zones/{zone_id}/records': (req) => ({ status: 201, headers: { 'x-seen-key': String(req.headers['x-api-key']) }, body: { ...(req.body as object), echoed: req.url } }),
        'GET /zones/{zone_id}/records': () => ({ status: 200, body: { result: [{ type: 'TXT' }] } }),
      },
    });
    const proxy = await startServerMock({ basePath: '/v1', spec, routes: { '*': forwardTo(`http://127.0.0.1:${upstream.port}`) } });
    try {
      const res = await fetch(`${proxy.url}/zones/z1/records?x=1`, { method: 'POST', headers: { 'x-api-key': 'k1', 'content-type': 'application/json' }, body: JSON.stringify({ type: 'A', content: '192.0.2.1' }) });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('x-seen-key'), 'k1');
      assert.deepEqual(await res.json(), { type: 'A', content: '192.0.2.1', echoed: '/v1/zones/z1/records?x=1' });
      assert.equal(upstream.requests[0]!.method, 'POST');
      assert.equal(await call(`${proxy.url}/zones/z1/records?name=a`, 'GET'), 200);
      assert.equal(proxy.validated, 2);
      const v = proxy.violations.join('\n');
      assert.match(v, /POST \/zones\/\{zone_id\}\/records: query parameter "x" is not in the spec/);
      assert.match(v, /GET \/zones\/\{zone_id\}\/records: answer 200 \/result\/0 must have required property 'content'/);
      assert.match(v, /result\/0\/type must be equal to one of the allowed values/);
    } finally {
      await proxy.close();
      await upstream.close();
    }
    const dead = await startServerMock({ routes: { '*': forwardTo(`http://127.0.0.1:${upstream.port}`) } });
    try {
      assert.equal(await call(`${dead.url}/anything`, 'GET'), 502);
    } finally {
      await dead.close();
    }
  });
});
