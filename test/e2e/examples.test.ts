import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, runCli } from '../helpers/cli.js';

const EXAMPLES = join(BIN, '..', '..', 'examples');

describe('examples/ stay true to the code', () => {
  const configs = readdirSync(EXAMPLES).filter((f) => /\.(ya?ml|json)$/.test(f) && !f.endsWith('.schema.json'));
  it('there are example configs', () => assert.ok(configs.length > 0));
  for (const f of configs) {
    it(`${f} passes dnsfail validate`, async () => {
      const r = await runCli(['validate', '-c', join(EXAMPLES, f)], { env: { CF_API_TOKEN: 'x', PDNS_API_KEY: 'x', NOIP_USER: 'x', NOIP_PASSWORD: 'x', DESEC_TOKEN: 'x', HCLOUD_TOKEN: 'x', OVH_APPLICATION_SECRET: 'x', OVH_CONSUMER_KEY: 'x', DIGITALOCEAN_TOKEN: 'x', LINODE_TOKEN: 'x', GANDI_TOKEN: 'x', DNSFAIL_VANTAGE: 'home' } });
      assert.equal(r.code, 0, r.stderr);
    });
    it(`${f} points editors at the schema`, () => {
      if (f.endsWith('.json')) return;
      assert.match(readFileSync(join(EXAMPLES, f), 'utf8'), /^# yaml-language-server: \$schema=/);
    });
  }
  it('examples/dnsfail.schema.json is what `dnsfail schema` prints', async () => {
    const r = await runCli(['schema']);
    assert.deepEqual(JSON.parse(readFileSync(join(EXAMPLES, 'dnsfail.schema.json'), 'utf8')), JSON.parse(r.stdout));
  });
});

describe('run-where-users-run-it examples are valid', () => {
  const ROOT = join(EXAMPLES, '..');
  const yamlFiles = ['examples/kubernetes/cronjob.yaml', 'examples/github-actions/dnsfail.yml', 'action.yml'];
  for (const f of yamlFiles) {
    it(`${f} parses as YAML`, async () => {
      const { parseAllDocuments } = await import('yaml');
      const docs = parseAllDocuments(readFileSync(join(ROOT, f), 'utf8'));
      for (const d of docs) assert.deepEqual(d.errors, []);
      assert.ok(docs.length >= 1);
    });
  }

  it('the Kubernetes CronJob never overlaps runs and takes secrets from a Secret', async () => {
    const { parseAllDocuments } = await import('yaml');
    const docs = parseAllDocuments(readFileSync(join(ROOT, 'examples/kubernetes/cronjob.yaml'), 'utf8')).map((d) => d.toJS());
    const job = docs.find((d) => d.kind === 'CronJob');
    assert.equal(job.spec.concurrencyPolicy, 'Forbid');
    const env = job.spec.jobTemplate.spec.template.spec.containers[0].env;
    assert.ok(env.every((e: { valueFrom?: { secretKeyRef?: unknown } }) => e.valueFrom?.secretKeyRef));
  });

  it('the workflow runs off the top of the hour, in a concurrency group, with read-only permissions', async () => {
    const { parse } = await import('yaml');
    const wf = parse(readFileSync(join(ROOT, 'examples/github-actions/dnsfail.yml'), 'utf8'));
    const cron: string = wf.on.schedule[0].cron;
    assert.doesNotMatch(cron.split(' ')[0]!, /^0$|(^|,)0(,|$)/, 'not at minute 0');
    assert.ok(wf.concurrency.group);
    assert.deepEqual(wf.permissions, { contents: 'read' });
    assert.ok('workflow_dispatch' in wf.on);
  });

  it('action.yml and the workflow pass action-validator (GitHub schemas)', async () => {
    const { execFileSync } = await import('node:child_process');
    const bin = join(ROOT, 'node_modules', '.bin', 'action-validator');
    for (const f of ['action.yml', 'examples/github-actions/dnsfail.yml']) {
      execFileSync(bin, [join(ROOT, f)], { stdio: 'pipe' });
    }
  });

  it('every schedule in examples is a cron line that cron-parser accepts', async () => {
    const { CronExpressionParser } = await import('cron-parser');
    const line = readFileSync(join(ROOT, 'examples/cron/crontab'), 'utf8').split('\n').find((l) => l.trim() && !l.startsWith('#'))!;
    CronExpressionParser.parse(line.split(/\s+/).slice(0, 5).join(' ')).next();
    const r = await runCli(['schedule', line.split(/\s+/).slice(0, 5).join(' '), '--count', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(line, /dnsfail check /);
  });

  it('the systemd units pass systemd-analyze verify', async (t) => {
    const { requireTools } = await import('../helpers/require-tool.js');
    const tools = requireTools(t, ['systemd-analyze'], 'apt-get install systemd');
    if (!tools) return;
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { execFileSync } = await import('node:child_process');
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-units-'));
    const units = ['dnsfail.service', 'dnsfail.timer', 'dnsfail-watch.service'];
    // The units name /usr/bin/dnsfail, which this machine does not have: verify them against the built binary.
    for (const u of units) writeFileSync(join(dir, u), readFileSync(join(ROOT, 'examples/systemd', u), 'utf8').replaceAll('/usr/bin/dnsfail', BIN));
    const out = execFileSync(tools['systemd-analyze']!, ['verify', ...units.map((u) => join(dir, u))], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(out.trim(), '');
    const watch = readFileSync(join(ROOT, 'examples/systemd/dnsfail-watch.service'), 'utf8');
    assert.match(watch, /^Type=exec$/m);
    assert.match(watch, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
  });
});
