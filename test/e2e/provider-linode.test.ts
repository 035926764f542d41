import { randomBytes } from 'node:crypto';
import { startLinodeFake } from '../fakes/linode.js';
import { tokenProviderE2e } from '../helpers/token-provider-e2e.js';

tokenProviderE2e({
  kind: 'linode',
  spec: 'test/fixtures/api-specs/linode/domains.openapi.json',
  newToken: () => randomBytes(32).toString('hex'),
  storedTtl60: 120,
  rejected: /Linode GET \/domains: HTTP 401: Invalid Token \(token rejected: create a personal access token/,
  start: async (token) => {
    const fake = await startLinodeFake({ token, domains: ['example.test'] });
    return {
      ...fake,
      seed: (label, target, ttl) => fake.addRecord('example.test', { type: 'A', name: label, target, ttl_sec: ttl }).id,
      held: (name) => fake.records(name, 'A').map((r) => [r.id, r.target, r.ttl_sec]),
    };
  },
});
