import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { asProviderError, ProviderError } from '../../providers/kit/errors.js';
import { BUILTIN_KINDS } from '../../providers/index.js';
import { closeProviders, createProviders } from '../../src/app/providers.js';
import { buildConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { parseConfigText } from '../../src/config/yaml-source.js';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { makeChalk } from '../../src/cli/color.js';
import { ConfigError, DnsfailError } from '../../src/errors.js';

/**
 * "Passes validate" means "the providers construct": every provider block that the config loader
 * accepts (secret files read, the kind's schema applied, exactly as `check` loads it) must give a
 * provider whose create() does not throw. Nothing here touches the network: construction is local.
 */

const dir = mkdtempSync(join(tmpdir(), 'dnsfail-construct-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'secret'), 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=\n');

type Block = Record<string, unknown>;
const SA_KEY = JSON.stringify({ type: 'service_account', client_email: 'a@p.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\nX\n-----END PRIVATE KEY-----\n' });

/** Configs each kind's schema accepts: the smallest, every optional key, and each way to give a secret. */
const ACCEPTED: Record<string, Block[]> = {
  cloudflare: [
    { token: 'tok' },
    { tokenFile: 'secret' },
    { token: 'tok', zoneId: 'a'.repeat(32), proxied: true, batchSize: 3500, endpoint: 'http://127.0.0.1:8080/client/v4' },
    { token: 'tok', endpoint: 'http://192.0.2.1', allowInsecureHttp: true },
  ],
  desec: [
    { token: 'tok' },
    { tokenFile: 'secret', domain: 'example.test', minimumTtl: 60, endpoint: 'http://127.0.0.1:8080/api/v1' },
    { token: 'tok', endpoint: 'http://192.0.2.1', allowInsecureHttp: true },
  ],
  gandi: [
    { token: 'tok' },
    { tokenFile: 'secret', zone: 'example.test', endpoint: 'http://127.0.0.1:8080/v5/livedns' },
    { token: 'tok', endpoint: 'http://192.0.2.1', allowInsecureHttp: true },
  ],
  hetzner: [
    { token: 'tok' },
    { tokenFile: 'secret', zone: 'example.test', endpoint: 'http://127.0.0.1:8080/v1' },
    { token: 'tok', endpoint: 'http://192.0.2.1', allowInsecureHttp: true },
  ],
  digitalocean: [
    { token: 'tok' },
    { tokenFile: 'secret', domain: 'example.test.' },
    { token: 'tok', domain: 'example.test', endpoint: 'http://127.0.0.1:8080' },
    { token: 'tok', endpoint: 'http://192.0.2.1', allowInsecureHttp: true },
  ],
  linode: [
    { token: 'tok' },
    { tokenFile: 'secret', domainId: 1234 },
    { token: 'tok', endpoint: 'http://192.0.2.1/v4', allowInsecureHttp: true },
  ],
  dyndns2: [
    { preset: 'noip', username: 'u', password: 'p' },
    { preset: 'he', passwordFile: 'secret' },
    { preset: 'duckdns', password: 'p', endpoint: 'http://127.0.0.1:9' },
    { server: 'https://dyn.example.test/base', username: 'u', password: 'p', resolver: '[::1]:5300' },
    { server: 'http://192.0.2.1', username: 'u', password: 'p', allowInsecureHttp: true, resolver: '127.0.0.1' },
  ],
  exec: [
    { command: ['/bin/true'] },
    { command: ['./hook.sh', '--flag'], readCommand: ['../read.sh'], timeout: '1ms', env: { A_B: 'x' } },
  ],
  powerdns: [
    { url: 'http://127.0.0.1:8081', apiKey: 'k' },
    { endpoint: 'http://[::1]:8081', apiKeyFile: 'secret', serverId: 'localhost', zone: 'example.test.' },
    { url: 'http://192.0.2.1:8081', apiKey: 'k', allowInsecureHttp: true },
  ],
  rfc2136: [
    { server: '127.0.0.1', zone: 'example.test' },
    { server: '[::1]:5353', zone: 'example.test.', timeout: '500ms', tsig: { name: 'k', secretFile: 'secret' } },
    { server: '2001:db8::1', zone: 'example.test', tsig: { name: 'k.example', algorithm: 'hmac-sha512', secret: 'c2VjcmV0' } },
  ],
  route53: [
    { hostedZoneId: 'Z0123456789ABC' },
    { hostedZoneId: '/hostedzone/Z0123456789ABC', accessKeyId: 'AKID', secretAccessKeyFile: 'secret', sessionToken: 't', wait: true },
    { zone: 'example.test', privateZone: true, profile: 'p', endpoint: 'http://127.0.0.1:9/base' },
    { zone: 'example.test.', endpoint: 'http://192.0.2.1', allowInsecureHttp: true },
  ],
  azure: [
    { subscriptionId: 's', resourceGroup: 'rg', zone: 'example.test', tenantId: 't', clientId: 'c', clientSecret: 'x' },
    { subscriptionId: 's', resourceGroup: 'rg', zone: 'example.test.', tenantId: 't', clientId: 'c', clientSecretFile: 'secret', endpoint: 'http://127.0.0.1:1', loginEndpoint: 'http://[::1]:1' },
    { subscriptionId: 's', resourceGroup: 'rg', zone: 'example.test', managedIdentity: true, clientId: 'c', identityEndpoint: 'http://169.254.169.254/metadata/identity/oauth2/token' },
  ],
  googleclouddns: [
    { project: 'p', managedZone: 'z', accessToken: 't' },
    { project: 'p', managedZone: 'z', accessTokenFile: 'secret', batchSize: 1000, endpoint: 'http://127.0.0.1:1' },
    { project: 'p', managedZone: 'z', serviceAccountKey: SA_KEY, tokenEndpoint: 'https://oauth2.example.test/token' },
    { project: 'p', managedZone: 'z', metadataServer: true, metadataEndpoint: 'http://169.254.169.254/x' },
  ],
  ovh: [
    { zone: 'example.test', applicationKey: 'a', applicationSecret: 's', consumerKey: 'c' },
    { zone: 'example.test.', endpoint: 'ovh-us', applicationKey: 'a', applicationSecretFile: 'secret', consumerKeyFile: 'secret' },
    { zone: 'example.test', endpoint: 'http://192.0.2.1/1.0', allowInsecureHttp: true, applicationKey: 'a', applicationSecret: 's', consumerKey: 'c' },
  ],
  zonefile: [
    { file: 'z.zone', zone: 'example.test' },
    { file: '/tmp/never-written.zone', zone: 'example.test.', reload: ['rndc', 'reload'], nameservers: ['ns1.example.test.'] },
  ],
};

/** Values tried in each URL-like key, with and without allowInsecureHttp: whatever the schema lets through must construct. */
const URLS = [
  'https://api.example.test',
  'https://api.example.test/base/',
  'http://127.0.0.1:8080',
  'http://[::1]:8080',
  'http://localhost:1',
  'http://192.0.2.1',
  'http://user:pass@127.0.0.1:1',
  'ftp://192.0.2.1',
  'mailto:dns@example.test',
  'file:///etc/passwd',
  'https://',
  'not a url',
  'HTTPS://API.EXAMPLE.TEST',
];
const URL_KEYS: Record<string, { base: Block; keys: string[] }> = {
  cloudflare: { base: { token: 'tok' }, keys: ['endpoint'] },
  desec: { base: { token: 'tok' }, keys: ['endpoint'] },
  hetzner: { base: { token: 'tok' }, keys: ['endpoint'] },
  gandi: { base: { token: 'tok' }, keys: ['endpoint'] },
  dyndns2: { base: { username: 'u', password: 'p' }, keys: ['server', 'endpoint'] },
  powerdns: { base: { apiKey: 'k' }, keys: ['url', 'endpoint'] },
  route53: { base: { hostedZoneId: 'Z1' }, keys: ['endpoint'] },
  azure: { base: { subscriptionId: 's', resourceGroup: 'rg', zone: 'example.test', tenantId: 't', clientId: 'c', clientSecret: 'x' }, keys: ['endpoint', 'loginEndpoint', 'identityEndpoint'] },
  googleclouddns: { base: { project: 'p', managedZone: 'z', serviceAccountKey: SA_KEY }, keys: ['endpoint', 'tokenEndpoint', 'metadataEndpoint'] },
  ovh: { base: { zone: 'example.test', applicationKey: 'a', applicationSecret: 's', consumerKey: 'c' }, keys: ['endpoint'] },
};
const SERVERS = ['127.0.0.1', '127.0.0.1:53', '127.0.0.1:0', '127.0.0.1:65536', '[::1]:5353', '::1', '[::1]', '::1:53', 'ns1.example.test', '127.0.0.1:5353:1'];

/** The config as `check` loads it; undefined when the loader refuses it (a ConfigError, as validate would). */
async function load(kind: string, block: Block): Promise<Config | undefined> {
  const text = JSON.stringify({
    providers: { p: { type: kind, ...block } },
    records: [{ name: 'app.example.test', provider: 'p', servers: ['127.0.0.2'] }],
  });
  try {
    return await buildConfig(parseConfigText(text, 'dnsfail.json'), dir, {});
  } catch (e) {
    if (e instanceof ConfigError) return undefined;
    throw e;
  }
}

async function assertConstructs(kind: string, block: Block, config: Config): Promise<void> {
  let providers;
  try {
    providers = createProviders(config);
  } catch (e) {
    assert.fail(`${kind} ${JSON.stringify(block)} passes the config loader but create() throws: ${(e as Error).message}`);
  }
  await closeProviders(providers);
}

describe('provider construction: every config the loader accepts builds its provider', () => {
  it('has accepted configs for every built-in kind', () => {
    assert.deepEqual(Object.keys(ACCEPTED).sort(), [...BUILTIN_KINDS].sort());
  });

  for (const [kind, blocks] of Object.entries(ACCEPTED)) {
    it(`${kind}: each accepted config is accepted and constructs`, async () => {
      for (const block of blocks) {
        const config = await load(kind, block);
        assert.ok(config, `${kind} ${JSON.stringify(block)} should be accepted`);
        await assertConstructs(kind, block, config);
      }
    });
  }

  for (const [kind, { base, keys }] of Object.entries(URL_KEYS)) {
    it(`${kind}: any URL the schema accepts in ${keys.join(', ')} constructs`, async () => {
      let accepted = 0;
      for (const key of keys) {
        for (const url of URLS) {
          for (const insecure of [undefined, true]) {
            const block = { ...base, [key]: url, ...(insecure ? { allowInsecureHttp: true } : {}) };
            const config = await load(kind, block);
            if (!config) continue;
            accepted++;
            await assertConstructs(kind, block, config);
          }
        }
      }
      assert.ok(accepted >= 4, `only ${accepted} URLs were accepted: the table no longer tries what it should`);
    });
  }

  it('rfc2136: any server the schema accepts constructs', async () => {
    for (const server of SERVERS) {
      const block = { server, zone: 'example.test' };
      const config = await load('rfc2136', block);
      if (config) await assertConstructs('rfc2136', block, config);
    }
  });

  it('route53: an endpoint that create() would refuse is a config error at providers.<id>.endpoint', async () => {
    for (const endpoint of ['http://192.0.2.1', 'ftp://192.0.2.1', 'mailto:dns@example.test']) {
      const text = JSON.stringify({ providers: { aws: { type: 'route53', hostedZoneId: 'Z1', endpoint } }, records: [{ name: 'app.example.test', servers: ['127.0.0.2'] }] });
      await assert.rejects(buildConfig(parseConfigText(text, 'dnsfail.json'), dir, {}), (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.equal(e.path, 'providers.aws.endpoint');
        assert.match(e.message, /is not https|is not a URL/);
        return true;
      });
    }
  });
});

describe('provider errors share the error root', () => {
  const run = async (thrown: unknown) => {
    const err: string[] = [];
    const io: Io = { out: () => {}, err: (t) => err.push(t), c: makeChalk({ noColor: true, isTTY: false, env: {} }) };
    const code = await main(['check'], { io, env: {}, runCheck: async () => Promise.reject(thrown) });
    return { code, err: err.join('\n') };
  };

  it('a ProviderError is a DnsfailError', () => {
    assert.ok(new ProviderError('fatal', 'x') instanceof DnsfailError);
  });

  it('reaching the one catch, a built-in or third-party typed provider error is a message, exit 1, not a bug', async () => {
    const thirdParty = Object.assign(new Error('the zone is frozen'), { kind: 'fatal' });
    for (const e of [new ProviderError('auth', 'credentials rejected'), asProviderError(thirdParty)]) {
      const r = await run(e);
      assert.equal(r.code, 1);
      assert.match(r.err, /^error: (credentials rejected|the zone is frozen)$/);
    }
  });
});
