import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A temporary directory with a dnsfail config whose provider `local` is a zone file for example.test,
 * followed by `rest` (defaults, records …). What app.example.test holds is read from the zone file.
 */
export function zoneFileWorkdir(prefix: string, rest: string, configName = 'dnsfail') {
  const dir = mkdtempSync(join(tmpdir(), `dnsfail-${prefix}-`));
  const zoneFile = join(dir, `${configName}.zone`);
  const configPath = join(dir, `${configName}.yaml`);
  writeFileSync(configPath, `providers:\n  local: { type: zonefile, file: ${JSON.stringify(zoneFile)}, zone: example.test }\n${rest}`);
  const zoneLines = () => readFileSync(zoneFile, 'utf8').split('\n').filter((l) => /^app\.example\.test\.\s/.test(l));
  return {
    dir,
    zoneFile,
    configPath,
    /** `-c CONFIG --state DIR/<state>`: each checker (or mode) may keep a state file of its own. */
    args: (state = 'state.json') => ['-c', configPath, '--state', join(dir, state)],
    zoneLines,
    /** The values of app.example.test's rrset in the zone file. */
    zoneA: () => zoneLines().map((l) => l.split(/\s+/).pop()),
  };
}

/** The `records:` section of one app.example.test (fall 3, rise 2) checked over http: the fastInterval scenes. */
export function fastIntervalRecords(o: { port: number; fastInterval: string; timeout: string; servers: string[]; path?: string }): string {
  return `records:
  - name: app.example.test
    fall: 3
    rise: 2
    fastInterval: ${o.fastInterval}
    check: { type: http, port: ${o.port}${o.path ? `, path: ${o.path}` : ''}, timeout: ${o.timeout} }
    servers: [${o.servers.join(', ')}]
`;
}
