import { randomBytes } from 'node:crypto';
import { startHetznerFake } from '../fakes/hetzner.js';
import { tokenProviderE2e } from '../helpers/token-provider-e2e.js';

tokenProviderE2e({
  kind: 'hetzner',
  spec: 'test/fixtures/api-specs/hetzner/hcloud-dns.json',
  newToken: () => `hcloud-e2e-${randomBytes(16).toString('hex')}`,
  storedTtl60: 60,
  rejected: /Hetzner HTTP 401: unable to authenticate \(unauthorized\) \(token rejected: use an API token of the Hetzner Console project that holds the zone\)/,
  start: async (token) => {
    const fake = await startHetznerFake({ token, zones: ['example.test'] });
    return {
      ...fake,
      seed: (label, value, ttl) => (fake.setRrset(`${label}.example.test`, 'A', [value], ttl), 0),
      held: (name) => (fake.rrset(name, 'A')?.values ?? []).map((v) => [0, v, fake.rrset(name, 'A')!.ttl ?? 3600]),
    };
  },
});
