import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { ApiSpec } from '../helpers/servermock.js';

/**
 * The Cloudflare API description the fake checks against, built from the files in
 * test/fixtures/api-specs/cloudflare (see its README for sources and versions):
 * the 2024-08-06 OpenAPI excerpt as is, plus
 * - `POST /zones/{zone_id}/dns_records/batch`, which that version lacks, with the body and answer of
 *   batch-schema-2026.json (transcribed from the 2026 SDK; its schema names do not clash);
 * - request bodies of POST/PATCH/PUT dns_records without the members the server fills in: the 2024
 *   record schema lists `id`, `proxiable`, `created_on` and `modified_on` as required for requests
 *   and answers alike (OpenAPI 3.0 drops required readOnly members from requests; `id` is not even
 *   marked readOnly there, an error of that version: the server assigns it, and the 2026 SDK's
 *   RecordParam has none);
 * - with the 2026 envelope: `result_info.total_pages` (api-schemas a8609635, 2026-03-12) and
 *   `content` no longer required in records (2026 `dns-records_ARecord` fragment and SDK RecordResponse).
 */

export type Envelope = '2024' | '2026';

type Schema = Record<string, unknown> & { required?: string[]; properties?: Record<string, unknown> };
type Doc = { paths: Record<string, Record<string, Schema>>; components: { schemas: Record<string, Schema> } };

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'api-specs', 'cloudflare');
const read = (file: string) => JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Doc;
const EXCERPT = 'openapi-2024-08-06-excerpt.json';
const BATCH = 'batch-schema-2026.json';
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });

export function cloudflareSpec(envelope: Envelope): ApiSpec {
  const doc = read(EXCERPT);
  const schemas = doc.components.schemas;
  for (const [name, schema] of Object.entries(read(BATCH).components.schemas)) {
    if (schemas[name]) throw new Error(`${BATCH}: schema ${name} clashes with ${EXCERPT}`);
    schemas[name] = schema;
  }
  doc.paths['/zones/{zone_id}/dns_records/batch'] = {
    post: {
      parameters: [{ in: 'path', name: 'zone_id', required: true, schema: ref('dns-records_identifier') }],
      requestBody: { required: true, ...json(ref('BatchRequest')) },
      responses: {
        '200': { description: 'Batch DNS Records response', ...json({ allOf: [ref('dns-records_api-response-common'), { properties: { result: ref('BatchResponseResult') } }] }) },
      },
    },
  };

  const record = schemas['dns-records_dns-record']!;
  schemas['dns-records_dns-record-request'] = { ...record, required: record.required!.filter((m) => !['id', 'proxiable', 'created_on', 'modified_on'].includes(m)) };
  const single = doc.paths['/zones/{zone_id}/dns_records/{dns_record_id}']!;
  for (const op of [doc.paths['/zones/{zone_id}/dns_records']!.post!, single.patch!, single.put!]) op.requestBody = { required: true, ...json(ref('dns-records_dns-record-request')) };

  if (envelope === '2026') {
    for (const info of ['dns-records_result_info', 'zones_result_info']) {
      schemas[info]!.properties!.total_pages = { description: 'The number of total pages in the entire result set.', type: 'number' };
    }
    for (const [name, schema] of Object.entries(schemas)) {
      if (/^dns-records_(dns-record|dns-record-request|\w+Record)$/.test(name) && schema.required) schema.required = schema.required.filter((m) => m !== 'content');
    }
  }
  return { document: doc, source: `the Cloudflare OpenAPI excerpt (2024-08-06 + /batch from 2026${envelope === '2026' ? ', 2026 envelope' : ''})` };
}

export interface SecondChecks {
  /** A record body (POST, PATCH, PUT) against the 2026 RecordParam (batch-schema-2026.json): name, ttl and type required. */
  recordBody: ValidateFunction;
  /** An error answer against `dns-records_api-response-common-failure` (the dns_records operations' own `4xx` answer is an allOf of success and failure envelopes that nothing can satisfy). */
  failure: ValidateFunction;
}

export function secondChecks(): SecondChecks {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats.default(ajv);
  return {
    recordBody: ajv.compile({ ...ref('RecordParam'), components: read(BATCH).components }),
    failure: ajv.compile({ ...ref('dns-records_api-response-common-failure'), components: read(EXCERPT).components }),
  };
}

export const errorsOf = (v: ValidateFunction): string => (v.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`).join('; ');
