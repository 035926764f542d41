import type { HttpCheck } from '../../src/health/types.js';

/** A fully resolved http check for probe tests: GET /health, Host www.example.test, 1 s, 200–399. */
export function httpCheck(port: number, overrides: Partial<HttpCheck> = {}): HttpCheck {
  return {
    type: 'http',
    port,
    path: '/health',
    host: 'www.example.test',
    method: 'GET',
    headers: {},
    timeoutMs: 1000,
    expectStatus: [[200, 399]],
    maxBodyBytes: 65536,
    insecure: false,
    ...overrides,
  };
}
