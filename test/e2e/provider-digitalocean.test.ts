import { randomBytes } from 'node:crypto';
import { startDigitalOceanFake } from '../fakes/digitalocean.js';
import { tokenProviderE2e } from '../helpers/token-provider-e2e.js';

tokenProviderE2e({
  kind: 'digitalocean',
  spec: 'test/fixtures/api-specs/digitalocean/domain-records.openapi.json',
  newToken: () => `dop_v1_${randomBytes(32).toString('hex')}`,
  storedTtl60: 60,
  rejected: /HTTP 401: Unable to authenticate you \(unauthorized\) \(token rejected: create a personal access token/,
  start: async (token) => {
    const fake = await startDigitalOceanFake({ token, domains: ['example.test'] });
    return {
      ...fake,
      seed: (label, data, ttl) => fake.addRecord('example.test', { type: 'A', name: label, data, ttl }).id,
      held: (name) => fake.records(name, 'A').map((r) => [r.id, r.data, r.ttl]),
    };
  },
});
