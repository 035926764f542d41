import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli.js';
import { mapLimit } from '../helpers/bad-input.js';
import { freePort, startTcpTarget, type TcpTarget } from '../helpers/targets.js';

/**
 * A sentinel in every credential slot, then every failure path we can provoke, and a grep of
 * everything dnsfail wrote (stdout, stderr, --json, -v, the GitHub summary and outputs, metrics,
 * the state file, notification bodies) for the sentinels in every form a request carries them:
 * as given, URL-encoded, and as the base64 of DynDNS2's `user:password`.
 */

const SENTINELS = {
  cloudflareToken: 'SENTINELcfTOKEN0a1b2c3d4e5f',
  route53Secret: 'SENTINELawsSECRET0a1b2c3d4e5f6789abcdefAB',
  route53Session: 'SENTINELawsSESSION0a1b2c3d4e5f',
  powerdnsKey: 'SENTINELpdnsKEY0a1b2c3d',
  dyndnsPassword: 'SENTINELdynPASS0a1b2c3d',
  tsigSecret: 'U0VOVElORUx0c2lnU0VDUkVUMGExYjJj', // base64, as TSIG secrets are
  webhookPath: 'SENTINELhookPATH0a1b2c3d',
  webhookHeader: 'SENTINELhookHEADER0a1b2c3d',
  pingPath: 'SENTINELpingPATH0a1b2c3d',
  desecToken: 'SENTINELdesecTOKEN0a1b2c3d4e5f',
  hetznerToken: 'SENTINELhcloudTOKEN0a1b2c3d4e5f',
  azureClientSecret: 'SENTINELazureSECRET0a1b2c3d',
  googleAccessToken: 'SENTINELgcpTOKEN0a1b2c3d',
  ovhApplicationSecret: 'SENTINELovhAPPSECRET0a1b2c3d',
  ovhConsumerKey: 'SENTINELovhCONSUMER0a1b2c3d',
  digitaloceanToken: 'SENTINELdoTOKEN0a1b2c3d4e5f',
  linodeToken: 'SENTINELlinodeTOKEN0a1b2c3d',
  gandiToken: 'SENTINELgandiPAT0a1b2c3d4e5f',
} as const;
const DYN_USER = 'dnsfail-user';

function forms(): { slot: string; text: string }[] {
  const out: { slot: string; text: string }[] = [];
  for (const [slot, s] of Object.entries(SENTINELS)) {
    out.push({ slot, text: s }, { slot: `${slot} (url-encoded)`, text: encodeURIComponent(s) });
  }
  out.push({ slot: 'dyndnsPassword (basic auth)', text: Buffer.from(`${DYN_USER}:${SENTINELS.dyndnsPassword}`).toString('base64') });
  // The sentinel's middle: catches a secret cut short or wrapped across lines.
  for (const [slot, s] of Object.entries(SENTINELS)) out.push({ slot: `${slot} (part)`, text: s.slice(8, 24) });
  return out;
}

/** Fails naming each slot whose sentinel was found in `where`. */
function assertNoLeak(where: string, text: string): void {
  const hits = forms().filter((f) => text.includes(f.text));
  assert.deepEqual(hits.map((h) => h.slot), [], `${where} leaked: ${hits.map((h) => h.slot).join(', ')}\n${text.slice(0, 4000)}`);
}

type Mode = 401 | 403 | 429 | 500 | 503 | 'html' | 'reset' | 'garbage';

/**
 * The worst upstream we can think of: it answers every request with the request itself (line,
 * headers, body) inside an error body shaped like the API that was called, as AWS's
 * SignatureDoesNotMatch does with the canonical request.
 */
async function startHostile(mode: Mode): Promise<{ url: string; notifications: string[]; close(): Promise<void> }> {
  const notifications: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const path = req.url ?? '';
      if (path.includes(SENTINELS.webhookPath)) notifications.push(body);
      const echo = `${req.method} ${path}\n${Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\n')}\n\n${body}`;
      if (mode === 'reset') return req.socket.destroy();
      const status = typeof mode === 'number' ? mode : mode === 'html' ? 502 : 200;
      const headers: Record<string, string> = mode === 429 ? { 'retry-after': '1' } : {};
      if (mode === 'html') return send(res, status, 'text/html', `<html><head><title>502 Bad Gateway</title></head><body><pre>${echo}</pre></body></html>`, headers);
      if (path.startsWith('/client/v4')) {
        const json = JSON.stringify({ success: false, errors: [{ code: 10000, message: `Authentication error: ${echo}` }], messages: [], result: null });
        return send(res, status, 'application/json', mode === 'garbage' ? json.slice(0, json.length - 20) : json, headers);
      }
      if (path.startsWith('/2013-04-01')) {
        const xml = `<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The canonical request was: ${escapeXml(echo)}</Message></Error><RequestId>0</RequestId></ErrorResponse>`;
        return send(res, status, 'text/xml', mode === 'garbage' ? xml.slice(0, xml.length - 40) : xml, headers);
      }
      if (path.startsWith('/desec/')) {
        const json = JSON.stringify({ detail: `Invalid token: ${echo}` });
        return send(res, status, 'application/json', mode === 'garbage' ? json.slice(0, 30) : json, headers);
      }
      if (path.startsWith('/gandi/')) {
        const json = JSON.stringify({ code: 401, message: `The server could not verify that you authenticated: ${echo}`, object: 'HTTPUnauthorized', cause: 'Unauthorized' });
        return send(res, status, 'application/json', mode === 'garbage' ? json.slice(0, 30) : json, headers);
      }
      if (path.startsWith('/hcloud/')) {
        const json = JSON.stringify({ error: { code: 'unauthorized', message: `unable to authenticate: ${echo}`, details: null } });
        return send(res, status, 'application/json', mode === 'garbage' ? json.slice(0, 30) : json, headers);
      }
      if (path.startsWith('/v2/')) {
        const json = JSON.stringify({ id: 'unauthorized', message: `Unable to authenticate you: ${echo}` });
        return send(res, status, 'application/json', mode === 'garbage' ? json.slice(0, json.length - 20) : json, headers);
      }
      if (path.startsWith('/v4/')) {
        const json = JSON.stringify({ errors: [{ reason: `Invalid Token: ${echo}` }] });
        return send(res, status, 'application/json', mode === 'garbage' ? json.slice(0, json.length - 20) : json, headers);
      }
      if (path.startsWith('/nic/update')) return send(res, status, 'text/plain', mode === 'garbage' ? `zzz-unknown ${echo}` : `badauth ${echo}`, headers);
      if (path.startsWith('/api/v1')) {
        const json = JSON.stringify({ error: `Unauthorized: ${echo}` });
        return send(res, status, 'application/json', mode === 'garbage' ? json.slice(0, 30) : json, headers);
      }
      return send(res, status === 200 ? 500 : status, 'text/plain', `refused: ${echo}`, headers);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    notifications,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

const send = (res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string>) => {
  res.writeHead(status, { 'content-type': type, ...headers });
  res.end(body);
};
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Every provider with a credential, each reached through a different route to its secret: literal
 * in the file, `${ENV}`, and `<key>File`. The file is left group/world-readable on purpose.
 */
function writeConfig(dir: string, api: string, target: TcpTarget, dnsPort: number): string {
  writeFileSync(join(dir, 'pdns.key'), `${SENTINELS.powerdnsKey}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'ovh.ck'), `${SENTINELS.ovhConsumerKey}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'gandi.pat'), `${SENTINELS.gandiToken}\n`, { mode: 0o600 });
  const path = join(dir, 'dnsfail.yaml');
  const servers = `[{ address: 127.0.0.9, label: dead }, { address: ${target.host}, label: live }]`;
  writeFileSync(
    path,
    `providers:
  cf: { type: cloudflare, token: ${SENTINELS.cloudflareToken}, zoneId: 0123456789abcdef0123456789abcdef, endpoint: "${api}/client/v4" }
  aws:
    type: route53
    hostedZoneId: Z0SECRETSWEEP
    endpoint: "${api}"
    accessKeyId: AKIASECRETSWEEPTEST
    secretAccessKey: "\${AWS_SECRET}"
    sessionToken: ${SENTINELS.route53Session}
  pdns: { type: powerdns, url: "${api}", apiKeyFile: pdns.key, zone: example.test }
  dyn: { type: dyndns2, server: "${api}", username: ${DYN_USER}, password: "\${DYN_PASSWORD}" }
  desec: { type: desec, token: "\${DESEC_TOKEN}", domain: example.test, endpoint: "${api}/desec/v1" }
  hz: { type: hetzner, token: "\${HCLOUD_TOKEN}", zone: example.test, endpoint: "${api}/hcloud/v1" }
  az: { type: azure, subscriptionId: s1, resourceGroup: rg, zone: example.test, tenantId: t1, clientId: c1, clientSecret: "\${AZ_SECRET}", endpoint: "${api}", loginEndpoint: "${api}" }
  gcp: { type: googleclouddns, project: p1, managedZone: z1, accessToken: "\${GCP_TOKEN}", endpoint: "${api}" }
  ovh: { type: ovh, zone: example.test, endpoint: "${api}/1.0", applicationKey: ak1, applicationSecret: "\${OVH_SECRET}", consumerKeyFile: ovh.ck }
  ns: { type: rfc2136, server: "127.0.0.1:${dnsPort}", zone: example.test, timeout: 500ms, tsig: { name: k, algorithm: hmac-sha256, secret: "${SENTINELS.tsigSecret}" } }
  do: { type: digitalocean, token: "\${DO_TOKEN}", domain: example.test, endpoint: "${api}" }
  lin: { type: linode, token: "\${LINODE_TOKEN}", domainId: 7, endpoint: "${api}/v4" }
  gandi: { type: gandi, tokenFile: gandi.pat, zone: example.test, endpoint: "${api}/gandi/v5/livedns" }
defaults:
  fall: 1
  rise: 1
  check: { type: tcp, port: ${target.port}, timeout: 500ms }
notify:
  - type: webhook
    url: "${api}/hooks/${SENTINELS.webhookPath}"
    headers: { Authorization: "Bearer ${SENTINELS.webhookHeader}" }
    events: [change, all-down, recovery, error]
ping:
  url: "${api}/ping/${SENTINELS.pingPath}"
records:
  - { name: cf.example.test, provider: cf, servers: ${servers} }
  - { name: aws.example.test, provider: aws, servers: ${servers} }
  - { name: pdns.example.test, provider: pdns, servers: ${servers} }
  - { name: dyn.example.test, provider: dyn, servers: ${servers} }
  - { name: ns.example.test, provider: ns, servers: ${servers} }
  - { name: desec.example.test, provider: desec, ttl: 3600, servers: ${servers} }
  - { name: hz.example.test, provider: hz, servers: ${servers} }
  - { name: az.example.test, provider: az, servers: ${servers} }
  - { name: gcp.example.test, provider: gcp, servers: ${servers} }
  - { name: ovh.example.test, provider: ovh, servers: ${servers} }
  - { name: do.example.test, provider: do, servers: ${servers} }
  - { name: lin.example.test, provider: lin, servers: ${servers} }
  - { name: gandi.example.test, provider: gandi, servers: ${servers} }
`,
  );
  chmodSync(path, 0o644);
  return path;
}

const ENV = { AWS_SECRET: SENTINELS.route53Secret, DYN_PASSWORD: SENTINELS.dyndnsPassword, DESEC_TOKEN: SENTINELS.desecToken, HCLOUD_TOKEN: SENTINELS.hetznerToken, AZ_SECRET: SENTINELS.azureClientSecret, GCP_TOKEN: SENTINELS.googleAccessToken, OVH_SECRET: SENTINELS.ovhApplicationSecret, DO_TOKEN: SENTINELS.digitaloceanToken, LINODE_TOKEN: SENTINELS.linodeToken, TZ: 'UTC' };
const MODES: Mode[] = [401, 403, 429, 500, 503, 'html', 'reset', 'garbage'];

interface Sweep {
  mode: Mode;
  variant: string;
  r: CliResult;
  files: Record<string, string>;
  notifications: string[];
}

describe('secrets: a sentinel in every credential slot never comes out, on any failure path', () => {
  let target: TcpTarget;
  let dnsPort: number;
  const sweeps: Sweep[] = [];

  before(async () => {
    target = await startTcpTarget({ host: '127.0.0.2' });
    dnsPort = await freePort('127.0.0.1'); // nothing listens: the DNS update is refused or times out
    const jobs = MODES.flatMap((mode) => (['text', 'json'] as const).map((variant) => ({ mode, variant })));
    sweeps.push(
      ...(await mapLimit(jobs, 4, async ({ mode, variant }) => {
        const hostile = await startHostile(mode);
        const dir = mkdtempSync(join(tmpdir(), 'dnsfail-secrets-'));
        try {
          const config = writeConfig(dir, hostile.url, target, dnsPort);
          const env = { ...ENV, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(dir, 'summary.md'), GITHUB_OUTPUT: join(dir, 'output.txt') };
          const args = ['check', '-c', config, '--state', join(dir, 'state.json'), '--metrics-file', join(dir, 'metrics.prom')];
          const r = await runCli(variant === 'json' ? [...args, '--json'] : [...args, '-v'], { env, timeoutMs: 120_000 });
          return { mode, variant, r, files: readFiles(dir), notifications: hostile.notifications };
        } finally {
          await hostile.close();
        }
      })),
    );
  });
  after(() => target.close());

  it('every run failed the way the upstream made it fail (the sweep really ran the failure paths)', () => {
    assert.equal(sweeps.length, MODES.length * 2);
    for (const s of sweeps) {
      assert.equal(s.r.code, 1, `${s.mode}/${s.variant}: ${s.r.stdout}\n${s.r.stderr}`);
      const all = s.r.stdout + s.r.stderr;
      for (const name of ['cf', 'aws', 'pdns', 'dyn', 'ns', 'desec', 'hz', 'az', 'gcp', 'ovh', 'do', 'lin', 'gandi']) assert.match(all, new RegExp(`${name}\\.example\\.test`), `${s.mode}/${s.variant} does not mention ${name}`);
      assert.ok('state.json' in s.files, 'the state file is written after a failed run (the next run retries)');
    }
    // Some upstream did echo a credential back, and it came out scrubbed.
    assert.ok(sweeps.some((s) => /\*\*\*/.test(s.r.stdout + s.r.stderr)), 'no echoed credential was seen: the sweep proves nothing');
    // The error notification did go out with each run's failures.
    assert.ok(sweeps.every((s) => s.notifications.length >= 1), 'each run sent its error notification');
  });

  it('stdout, stderr, --json and -v output hold no sentinel', () => {
    for (const s of sweeps) {
      assertNoLeak(`${s.mode}/${s.variant} stdout`, s.r.stdout);
      assertNoLeak(`${s.mode}/${s.variant} stderr`, s.r.stderr);
    }
  });

  it('the state file, metrics, GitHub summary and outputs hold no sentinel', () => {
    for (const s of sweeps) for (const [name, text] of Object.entries(s.files)) assertNoLeak(`${s.mode}/${s.variant} ${name}`, text);
    const s = sweeps[0]!;
    for (const f of ['state.json', 'metrics.prom', 'summary.md', 'output.txt']) assert.ok(f in s.files, `${f} was written`);
  });

  it('notification bodies hold no sentinel', () => {
    for (const s of sweeps) for (const body of s.notifications) assertNoLeak(`${s.mode}/${s.variant} notification`, body);
  });

  it('the plain-text secrets in a readable config are warned about by path, never by value', () => {
    const s = sweeps.find((x) => x.variant === 'text')!;
    assert.match(s.r.stderr, /holds secrets in plain text \(providers\.cf\.token, providers\.aws\.sessionToken, providers\.ns\.tsig\.secret and 3 more\) and other users can read it \(mode 0644\)/);
  });

  it('watch (JSON logs), doctor, status and validate -v hold no sentinel either', async () => {
    const hostile = await startHostile(500);
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-secrets-'));
    try {
      const config = writeConfig(dir, hostile.url, target, dnsPort);
      const common = ['-c', config, '--state', join(dir, 'state.json')];
      const resolverPort = await freePort('127.0.0.1');
      const runs = [
        await runCli(['watch', '--interval', '1s', '--max-runs', '1', '--log-format', 'json', ...common], { env: ENV, timeoutMs: 120_000 }),
        await runCli(['doctor', '--resolver', `127.0.0.1:${resolverPort}`, ...common], { env: ENV, timeoutMs: 120_000 }),
        await runCli(['status', ...common], { env: ENV }),
        await runCli(['status', '--json', ...common], { env: ENV }),
        await runCli(['validate', '-v', ...common], { env: ENV }),
      ];
      for (const [i, r] of runs.entries()) {
        assertNoLeak(`run ${i} stdout`, r.stdout);
        assertNoLeak(`run ${i} stderr`, r.stderr);
      }
      assert.match(runs[0]!.stdout + runs[0]!.stderr, /"level":"warn".*plain text/, 'watch logs the readable-secrets warning as a JSON line');
      assert.match(runs[1]!.stdout, /provider read failed/);
      for (const [name, text] of Object.entries(readFiles(dir))) assertNoLeak(name, text);
      for (const body of hostile.notifications) assertNoLeak('notification', body);
    } finally {
      await hostile.close();
    }
  });

  it('a config readable only by its owner, or with secrets only in ${ENV} and files, gets no warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsfail-secrets-'));
    const config = writeConfig(dir, 'http://127.0.0.1:9', target, dnsPort);
    chmodSync(config, 0o600);
    const owner = await runCli(['validate', '-c', config], { env: ENV });
    assert.equal(owner.code, 0, owner.stderr);
    assert.equal(owner.stderr, '');
    const viaEnv = join(dir, 'env.yaml');
    writeFileSync(viaEnv, `providers:\n  cf: { type: cloudflare, token: "\${CF_TOKEN}", zoneId: 0123456789abcdef0123456789abcdef }\nrecords:\n  - { name: a.example.test, provider: cf, servers: [127.0.0.2] }\n`);
    chmodSync(viaEnv, 0o644);
    const env = await runCli(['validate', '-c', viaEnv], { env: { CF_TOKEN: SENTINELS.cloudflareToken } });
    assert.equal(env.code, 0, env.stderr);
    assert.equal(env.stderr, '');
  });
});

/** Everything dnsfail wrote in `dir`: all but the config and the key file the test put there. */
function readFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) if (f !== 'dnsfail.yaml' && f !== 'pdns.key' && f !== 'ovh.ck' && f !== 'gandi.pat') out[f] = readFileSync(join(dir, f), 'utf8');
  return out;
}
