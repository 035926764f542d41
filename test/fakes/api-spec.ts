import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BIN } from '../helpers/cli.js';
import type { ApiSpec } from '../helpers/servermock.js';

/** A vendor API description under test/fixtures/api-specs (tests run from dist/test/…, the fixtures stay in the tree). */
export function loadApiSpec(file: string): ApiSpec {
  const path = join(dirname(BIN), '..', 'test', 'fixtures', 'api-specs', file);
  return { document: JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>, source: `test/fixtures/api-specs/${file}` };
}
