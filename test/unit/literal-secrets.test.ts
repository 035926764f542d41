import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildConfig } from '../../src/config/load.js';
import { exposedSecretWarning, literalSecretPaths } from '../../src/config/literal-secrets.js';
import { parseConfigText } from '../../src/config/yaml-source.js';

const text = `providers:
  cf: { type: cloudflare, token: cf-literal-token-1234, zoneId: 0123456789abcdef0123456789abcdef }
  dyn: { type: dyndns2, preset: noip, username: u, password: "\${DYN_PASSWORD}" }
  ns: { type: rfc2136, server: 127.0.0.1, zone: example.test, tsig: { name: k, algorithm: hmac-sha256, secret: c2VjcmV0c2VjcmV0c2VjcmV0 } }
notify:
  - type: slack
    url: https://hooks.slack.com/services/T000/B000/literal
    headers: { Authorization: "Bearer literal-header-secret", X-Env: "\${HEADER_VALUE}" }
records:
  - name: a.example.test
    type: A
    provider: cf
    servers: [127.0.0.2]
`;

describe('secrets written into the config file', () => {
  it('finds the literal ones and leaves ${ENV} references out', async () => {
    const source = parseConfigText(text, 'dnsfail.yaml');
    const config = await buildConfig(source, '/', { DYN_PASSWORD: 'from-env-pass', HEADER_VALUE: 'from-env-header' });
    assert.deepEqual(literalSecretPaths(source.data, config.providers), ['providers.cf.token', 'providers.ns.tsig.secret', 'notify[0].url', 'notify[0].headers.Authorization']);
  });

  it('warns only when the group or others can read the file, and never shows the value', () => {
    const paths = ['providers.cf.token'];
    assert.equal(exposedSecretWarning('/etc/dnsfail/config.yaml', 0o100600, paths), undefined);
    assert.equal(exposedSecretWarning('/etc/dnsfail/config.yaml', 0o100400, paths), undefined);
    assert.equal(exposedSecretWarning('/etc/dnsfail/config.yaml', 0o100644, []), undefined);
    const w = exposedSecretWarning('/etc/dnsfail/config.yaml', 0o100640, paths)!;
    assert.match(w, /\/etc\/dnsfail\/config\.yaml holds a secret in plain text \(providers\.cf\.token\).*mode 0640.*chmod 600/);
    assert.match(exposedSecretWarning('x.yaml', 0o100604, ['a', 'b', 'c', 'd', 'e'])!, /\(a, b, c and 2 more\)/);
  });
});
