import { randomBytes } from 'node:crypto';
import { GANDI_SPEC_SOURCE, startGandiFake } from '../fakes/gandi.js';
import { tokenProviderE2e } from '../helpers/token-provider-e2e.js';

tokenProviderE2e({
  kind: 'gandi',
  spec: GANDI_SPEC_SOURCE,
  newToken: () => `pat_${randomBytes(16).toString('hex')}`,
  storedTtl60: 300,
  rejected: /cannot read the record: Gandi HTTP 401: Unauthorized: .*\(token rejected: check the personal access token, sent as "Authorization: Bearer <token>"; API keys are not supported\)/,
  start: async (token) => {
    const fake = await startGandiFake({ token, domains: ['example.test'] });
    // RRsets have no ids: every value of the name reads as id 0 (a failover then keeps the "same record").
    return {
      ...fake,
      seed: (label, value, ttl) => (fake.setRrset(`${label}.example.test`, 'A', [value], ttl), 0),
      held: (name) => (fake.rrset(name, 'A')?.values ?? []).map((v): [number, string, number] => [0, v, fake.rrset(name, 'A')!.ttl]),
    };
  },
});
