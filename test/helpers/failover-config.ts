import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The config most provider e2e tests run: one provider block (`provider`: its lines under
 * `providers:`) and one record on two loopback servers, 127.0.0.2 (primary) and 127.0.0.3 (backup),
 * fall 1 and rise 1, TTL 60, checked by `check`. Written into `dir`; returns the CLI's -c and --state.
 */
export function writeFailoverConfig(dir: string, provider: string, check: string, name = 'app.example.test'): string[] {
  const configPath = join(dir, 'dnsfail.yaml');
  writeFileSync(
    configPath,
    `providers:\n${provider}\ndefaults:\n  fall: 1\n  rise: 1\nrecords:\n  - name: ${name}\n    ttl: 60\n    check: ${check}\n    servers:\n      - { address: 127.0.0.2, label: primary }\n      - { address: 127.0.0.3, label: backup }\n`,
  );
  return ['-c', configPath, '--state', join(dir, 'state.json')];
}
