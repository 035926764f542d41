import { randomBytes } from 'node:crypto';
import { startDesecFake } from '../fakes/desec.js';
import { tokenProviderE2e } from '../helpers/token-provider-e2e.js';

tokenProviderE2e({
  kind: 'desec',
  spec: 'test/fixtures/api-specs/desec/desec-rrsets.json',
  newToken: () => `desece2e${randomBytes(12).toString('hex')}`,
  providerLines: '    minimumTtl: 60',
  authorization: (token) => `Token ${token}`,
  storedTtl60: 60,
  rejected: /deSEC HTTP 401: Invalid token\. \(token rejected: check the token, sent as "Authorization: Token <token>"\)/,
  start: async (token) => {
    const fake = await startDesecFake({ token, domains: ['example.test'], minimumTtl: 60 });
    return {
      ...fake,
      seed: (label, value, ttl) => (fake.setRrset(`${label}.example.test`, 'A', [value], ttl), 0),
      held: (name) => (fake.rrset(name, 'A')?.records ?? []).map((v) => [0, v, fake.rrset(name, 'A')!.ttl]),
    };
  },
});
