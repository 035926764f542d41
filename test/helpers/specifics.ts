import assert from 'node:assert/strict';
import { ProviderError } from '../../providers/kit/errors.js';
import type { RecordRef } from '../../providers/kit/types.js';

/**
 * What each provider's own tests (beside the shared contract) start with: record names unique within
 * the suite, refs, and the typed error a call must reject with.
 */
export function specificsTools(defaultZone: string) {
  let seq = 0;
  return {
    name: (label: string, zone = defaultZone) => `${label}-${++seq}.${zone}`,
    ref: (n: string, type: RecordRef['type'] = 'A'): RecordRef => ({ name: n, type }),
    rejection: async (promise: Promise<unknown>): Promise<ProviderError> => {
      try {
        await promise;
      } catch (e) {
        assert.ok(e instanceof ProviderError, `a ProviderError, got ${String(e)}`);
        return e;
      }
      assert.fail('expected a rejection');
    },
  };
}
