import { spawnSync } from 'node:child_process';
import { main } from '../cli/main.js';

/**
 * The GitHub Action's entry point (action.yml runs action/index.cjs, the bundle of this file, with
 * `runs.using: node20`: no install, no build). GitHub passes the inputs as INPUT_<NAME>; `check`
 * writes the step outputs (changed, records, exit-code) itself when GITHUB_OUTPUT is set.
 */
const input = (name: string) => (process.env[`INPUT_${name.toUpperCase()}`] ?? '').trim();

process.env.DNSFAIL_CONFIG = input('config') || 'dnsfail.yaml';
process.env.DNSFAIL_STATE = input('state') || '.dnsfail/state.json';
const args = input('dry-run') === 'true' ? ['check', '--dry-run'] : ['check'];
const version = input('version');
if (version) {
  // A version from the npm registry instead of this action's own code.
  const r = spawnSync('npm', ['exec', '--yes', `--package=dnsfail@${version}`, '--', 'dnsfail', ...args], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} else {
  void main(args).then((code) => {
    process.exitCode = code;
  });
}
