import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startHttpTarget, type Target } from '../helpers/targets.js';

const HEALTHY = '127.0.0.2';
const DEAD = '127.0.0.5'; // nothing listens there: connection refused

const zone = `$ORIGIN example.test.
$TTL 60
@ 60 IN SOA localhost. hostmaster.example.test. 1 3600 600 86400 60
@ 60 IN NS localhost.
moved.example.test. 30 IN A ${DEAD}
ttl.example.test. 3600 IN A ${HEALTHY}
same.example.test. 30 IN A ${HEALTHY}
`;

interface JsonRecord {
  name: string;
  change: string;
  current: string[] | null;
  desired: string[] | null;
  changed: boolean;
  written: boolean;
  outcome: string;
  ttl: { wanted: number; current?: number };
}

/** The A records of each name in the zone file, with their TTLs. */
const published = (file: string) =>
  Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => /^(\S+)\.\s+(\d+)\s+IN\s+A\s+(\S+)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [m[1]!, { ttl: Number(m[2]), values: [m[3]!] }]),
  );

describe('the plan: check --dry-run shows exactly what check then does (built binary, real zone file)', () => {
  let target: Target;
  before(async () => {
    target = await startHttpTarget({ host: HEALTHY });
  });
  after(() => target.close());

  it('create, replace, ttl and none: the same records, values and kinds, and the zone file ends as planned', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-e2e-plan-'));
    const zoneFile = join(dir, 'example.test.zone');
    writeFileSync(zoneFile, zone);
    const record = (name: string) => `  - { name: ${name}.example.test, ttl: 30, servers: [${DEAD}, ${HEALTHY}] }\n`;
    writeFileSync(
      join(dir, 'dnsfail.yaml'),
      `providers:\n  local: { type: zonefile, file: ${JSON.stringify(zoneFile)}, zone: example.test }\n` +
        `defaults:\n  check: { type: http, port: ${target.port}, path: /health, timeout: 2s }\n` +
        `records:\n${['new', 'moved', 'ttl', 'same'].map(record).join('')}`,
    );
    const args = ['--json', '-c', join(dir, 'dnsfail.yaml'), '--state', join(dir, 'state.json')];
    const plan = (records: JsonRecord[]) => records.map((r) => ({ name: r.name, change: r.change, current: r.current, desired: r.desired, changed: r.changed, ttl: r.ttl }));

    const dry = await runCli(['check', '--dry-run', ...args]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(readFileSync(zoneFile, 'utf8'), zone, 'a dry run writes nothing');
    const planned = JSON.parse(dry.stdout).records as JsonRecord[];
    assert.deepEqual(planned.map((r) => [r.name, r.change, r.written]), [
      ['new.example.test', 'create', false],
      ['moved.example.test', 'replace', false],
      ['ttl.example.test', 'ttl', false],
      ['same.example.test', 'none', false],
    ]);

    const real = await runCli(['check', ...args]);
    assert.equal(real.code, 0, real.stderr);
    const done = JSON.parse(real.stdout).records as JsonRecord[];
    assert.deepEqual(plan(done), plan(planned), 'the real run carries out the plan the dry run printed');
    assert.deepEqual(done.map((r) => r.written), planned.map((r) => r.change !== 'none'), 'written exactly where the plan changes something');
    const after = published(zoneFile);
    for (const r of planned) assert.deepEqual(after[r.name], { ttl: 30, values: r.desired }, r.name);
  });
});
