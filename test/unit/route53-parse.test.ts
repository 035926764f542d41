import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../../providers/kit/errors.js';
import { parseIni } from '../../providers/route53/credentials.js';
import { changeBatchXml } from '../../providers/route53/change-batch.js';
import { parseApiError, route53Error } from '../../providers/route53/errors.js';
import { decodeRoute53Name, parseChangeInfo, parseHostedZonesByName, parseRrsetPage } from '../../providers/route53/parse.js';
import { parseXml, XmlError } from '../../providers/route53/xml.js';

const NS = 'xmlns="https://route53.amazonaws.com/doc/2013-04-01/"';

describe('parseXml', () => {
  it('reads a declaration, comments, attributes, entities, CDATA and self-closing elements', () => {
    const el = parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><a ${NS} k='v'><b>x &amp; y &lt;z&gt; &#65;&#x42;</b><c/><d><![CDATA[<raw>]]></d></a>`);
    assert.equal(el.name, 'a');
    assert.equal(el.attrs.k, 'v');
    assert.equal(el.children[0]!.text, 'x & y <z> AB');
    assert.equal(el.children[1]!.name, 'c');
    assert.equal(el.children[2]!.text, '<raw>');
  });

  it('drops namespace prefixes from names', () => {
    assert.equal(parseXml('<r:Root xmlns:r="u"><r:A>1</r:A></r:Root>').children[0]!.name, 'A');
  });

  for (const [what, doc] of [
    ['an unclosed element', '<a><b></b>'],
    ['a mismatched end tag', '<a></b>'],
    ['a DTD', '<!DOCTYPE a [<!ENTITY x "y">]><a/>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['two roots', '<a/><b/>'],
    ['text outside the root', 'hello'],
    ['nothing', ''],
  ] as const) {
    it(`refuses ${what}`, () => assert.throws(() => parseXml(doc), XmlError));
  }
});

describe('Route 53 documents', () => {
  it('ListResourceRecordSetsResponse: values, TTL, paging', () => {
    const page = parseRrsetPage(`<?xml version="1.0" encoding="UTF-8"?>
<ListResourceRecordSetsResponse ${NS}>
   <ResourceRecordSets>
      <ResourceRecordSet>
         <Name>App.Example.com.</Name>
         <Type>A</Type>
         <TTL>300</TTL>
         <ResourceRecords>
            <ResourceRecord><Value>192.0.2.10</Value></ResourceRecord>
            <ResourceRecord><Value>192.0.2.11</Value></ResourceRecord>
         </ResourceRecords>
      </ResourceRecordSet>
   </ResourceRecordSets>
   <IsTruncated>true</IsTruncated>
   <MaxItems>1</MaxItems>
   <NextRecordName>app.example.com.</NextRecordName>
   <NextRecordType>AAAA</NextRecordType>
</ListResourceRecordSetsResponse>`);
    assert.deepEqual(page, {
      rrsets: [{ rawName: 'App.Example.com.', name: 'app.example.com', type: 'A', ttl: 300, values: ['192.0.2.10', '192.0.2.11'] }],
      isTruncated: true,
      nextRecordName: 'app.example.com.',
      nextRecordType: 'AAAA',
    });
  });

  it('ListResourceRecordSetsResponse: empty, alias and weighted rrsets', () => {
    assert.deepEqual(parseRrsetPage(`<ListResourceRecordSetsResponse ${NS}><ResourceRecordSets/><IsTruncated>false</IsTruncated><MaxItems>1</MaxItems></ListResourceRecordSetsResponse>`), { rrsets: [], isTruncated: false });
    const page = parseRrsetPage(`<ListResourceRecordSetsResponse ${NS}><ResourceRecordSets>
      <ResourceRecordSet><Name>a.example.com.</Name><Type>A</Type><AliasTarget><HostedZoneId>Z2FDTNDATAQYW2</HostedZoneId><DNSName>d1.cloudfront.net.</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget></ResourceRecordSet>
      <ResourceRecordSet><Name>w.example.com.</Name><Type>A</Type><SetIdentifier>dc1</SetIdentifier><Weight>10</Weight><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>
    </ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>2</MaxItems></ListResourceRecordSetsResponse>`);
    assert.equal(page.rrsets[0]!.alias, true);
    assert.deepEqual(page.rrsets[0]!.values, []);
    assert.equal(page.rrsets[1]!.setIdentifier, 'dc1');
  });

  it('a response of another kind is refused', () => {
    assert.throws(() => parseRrsetPage(`<GetChangeResponse ${NS}/>`), XmlError);
  });

  it('names: \\052 is a wildcard, case and the trailing dot do not matter', () => {
    assert.equal(decodeRoute53Name('\\052.Example.COM.'), '*.example.com');
    assert.equal(decodeRoute53Name('a\\100b.example.com'), 'a@b.example.com');
  });

  it('ChangeResourceRecordSetsResponse and GetChangeResponse', () => {
    assert.deepEqual(
      parseChangeInfo(`<?xml version="1.0" encoding="UTF-8"?><ChangeResourceRecordSetsResponse ${NS}><ChangeInfo><Comment>dnsfail</Comment><Id>/change/C2682N5HXP0BZ4</Id><Status>PENDING</Status><SubmittedAt>2017-03-10T01:36:41.958Z</SubmittedAt></ChangeInfo></ChangeResourceRecordSetsResponse>`),
      { id: 'C2682N5HXP0BZ4', status: 'PENDING' },
    );
    assert.deepEqual(parseChangeInfo(`<GetChangeResponse ${NS}><ChangeInfo><Id>/change/C1</Id><Status>INSYNC</Status><SubmittedAt>x</SubmittedAt></ChangeInfo></GetChangeResponse>`), { id: 'C1', status: 'INSYNC' });
    assert.throws(() => parseChangeInfo(`<GetChangeResponse ${NS}><ChangeInfo/></GetChangeResponse>`), XmlError);
  });

  it('ListHostedZonesByNameResponse: ids without prefix, private flag', () => {
    const page = parseHostedZonesByName(`<ListHostedZonesByNameResponse ${NS}><HostedZones>
      <HostedZone><Id>/hostedzone/Z111111QQQQQQQ</Id><Name>example.com.</Name><CallerReference>r1</CallerReference><Config><Comment>c</Comment><PrivateZone>false</PrivateZone></Config><ResourceRecordSetCount>5</ResourceRecordSetCount></HostedZone>
      <HostedZone><Id>/hostedzone/Z222222VVVVVVV</Id><Name>example.com.</Name><CallerReference>r2</CallerReference><Config><PrivateZone>true</PrivateZone></Config><ResourceRecordSetCount>2</ResourceRecordSetCount></HostedZone>
    </HostedZones><DNSName>example.com</DNSName><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListHostedZonesByNameResponse>`);
    assert.deepEqual(page, {
      zones: [
        { id: 'Z111111QQQQQQQ', name: 'example.com', privateZone: false },
        { id: 'Z222222VVVVVVV', name: 'example.com', privateZone: true },
      ],
      isTruncated: false,
    });
  });

  it('changeBatchXml: the documented request shape, values escaped, names fully qualified', () => {
    const doc = changeBatchXml(
      [
        { action: 'DELETE', name: 'app.example.com', type: 'A', ttl: 300, values: ['192.0.2.1'] },
        { action: 'CREATE', name: 'app.example.com.', type: 'A', ttl: 60, values: ['192.0.2.2', '192.0.2.3'] },
      ],
      'a <comment> & more',
    );
    const root = parseXml(doc);
    assert.equal(root.name, 'ChangeResourceRecordSetsRequest');
    assert.equal(root.attrs.xmlns, 'https://route53.amazonaws.com/doc/2013-04-01/');
    const batch = root.children[0]!;
    assert.equal(batch.children[0]!.text, 'a <comment> & more');
    const changes = batch.children[1]!.children;
    assert.deepEqual(
      changes.map((c) => [c.children[0]!.text, c.children[1]!.children.map((x) => (x.name === 'ResourceRecords' ? x.children.map((r) => r.children[0]!.text).join(',') : x.text))]),
      [
        ['DELETE', ['app.example.com.', 'A', '300', '192.0.2.1']],
        ['CREATE', ['app.example.com.', 'A', '60', '192.0.2.2,192.0.2.3']],
      ],
    );
  });
});

describe('Route 53 errors', () => {
  const where = 'Route 53 POST /2013-04-01/hostedzone/Z1/rrset/';
  const errorResponse = (code: string, message: string, type = 'Sender') =>
    `<?xml version="1.0"?>\n<ErrorResponse ${NS}><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>4f0b3e2c-0000-4000-8000-000000000000</RequestId></ErrorResponse>`;
  const classify = (status: number, body: string, headers: Record<string, string> = {}) => route53Error(where, { status, body, headers });

  it('parses both shapes: ErrorResponse and InvalidChangeBatch', () => {
    assert.deepEqual(parseApiError(errorResponse('Throttling', 'Rate exceeded')), { code: 'Throttling', messages: ['Rate exceeded'], requestId: '4f0b3e2c-0000-4000-8000-000000000000' });
    assert.deepEqual(parseApiError(`<InvalidChangeBatch ${NS}><Messages><Message>m1</Message><Message>m2</Message></Messages><RequestId>r</RequestId></InvalidChangeBatch>`), { code: 'InvalidChangeBatch', messages: ['m1', 'm2'], requestId: 'r' });
    assert.equal(parseApiError('<html>Bad Gateway</html>'), undefined);
    assert.equal(parseApiError('not xml'), undefined);
  });

  const cases: [string, number, string, ProviderError['kind']][] = [
    ['Throttling', 400, 'Rate exceeded', 'rate-limited'],
    ['PriorRequestNotComplete', 400, 'The request was rejected because Route 53 was still processing a prior request.', 'rate-limited'],
    ['InvalidClientTokenId', 403, 'The security token included in the request is invalid.', 'auth'],
    ['SignatureDoesNotMatch', 403, 'The request signature we calculated does not match', 'auth'],
    ['AccessDenied', 403, 'User: arn:aws:iam::123456789012:user/x is not authorized to perform: route53:ChangeResourceRecordSets', 'auth'],
    ['ExpiredToken', 403, 'The security token included in the request is expired', 'auth'],
    ['NoSuchHostedZone', 404, 'No hosted zone found with ID: Z1', 'fatal'],
    ['InvalidInput', 400, 'Invalid XML', 'fatal'],
    ['ServiceUnavailable', 503, 'Service Unavailable', 'transient'],
  ];
  for (const [code, status, message, kind] of cases) {
    it(`${status} ${code} → ${kind}`, () => {
      const e = classify(status, errorResponse(code, message));
      assert.equal(e.kind, kind);
      assert.equal(e.code, code);
      assert.match(e.message, new RegExp(`^${where.replace(/[/.]/g, '\\$&')}: HTTP ${status} ${code}`));
    });
  }

  it('auth errors leave out AWS\'s message (it may echo the canonical request)', () => {
    const e = classify(403, errorResponse('SignatureDoesNotMatch', 'The canonical String for this request should have been x-amz-security-token:SECRETTOKEN'));
    assert.doesNotMatch(e.message, /SECRETTOKEN|canonical/);
  });

  it('InvalidChangeBatch: a lost compare-and-set is a conflict; any other validation failure is fatal', () => {
    const batch = (...m: string[]) => `<InvalidChangeBatch ${NS}><Messages>${m.map((x) => `<Message>${x}</Message>`).join('')}</Messages></InvalidChangeBatch>`;
    const mismatch = "Tried to delete resource record set [name='app.example.com.', type='A'] but the values provided do not match the current values";
    assert.equal(classify(400, batch(mismatch)).kind, 'conflict');
    assert.equal(classify(400, batch("Tried to delete resource record set [name='a.example.com.', type='A'] but it was not found")).kind, 'conflict');
    assert.equal(classify(400, batch("Tried to create resource record set [name='a.example.com.', type='A'] but it already exists")).kind, 'conflict');
    assert.match(classify(400, batch(mismatch)).message, /HTTP 400 InvalidChangeBatch: Tried to delete/);
    assert.equal(classify(400, batch('RRSet with DNS name a.other.com. is not permitted in zone example.com.')).kind, 'fatal');
    assert.equal(classify(400, errorResponse('InvalidChangeBatch', `[${mismatch}]`)).kind, 'conflict', 'the ErrorResponse form too');
  });

  it('a Retry-After header is honoured when present (429 from a front end)', () => {
    const e = classify(429, errorResponse('Throttling', 'Rate exceeded'), { 'retry-after': '2' });
    assert.equal(e.kind, 'rate-limited');
    assert.equal(e.retryAfterMs, 2000);
    assert.equal(classify(400, errorResponse('Throttling', 'Rate exceeded')).retryAfterMs, undefined);
  });

  it('bodies that are not Route 53 errors fall back on the status', () => {
    assert.equal(classify(403, '<html>Forbidden</html>').kind, 'auth');
    assert.equal(classify(429, '').kind, 'rate-limited');
    assert.equal(classify(404, '').kind, 'fatal');
    assert.equal(classify(408, '').kind, 'transient');
  });
});

describe('shared credentials file', () => {
  it('reads sections and keys, skips comments and indented sub-settings', () => {
    const ini = parseIni('# top\n[default]\naws_access_key_id = AK\nAWS_Secret_Access_Key=SK \n; c\n[profile x]\ns3 =\n  max_concurrent_requests = 10\nregion=eu-west-1\n');
    assert.deepEqual(ini, { default: { aws_access_key_id: 'AK', aws_secret_access_key: 'SK' }, 'profile x': { s3: '', region: 'eu-west-1' } });
  });
});
