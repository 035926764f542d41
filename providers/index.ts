import type { ProviderFactory } from './types.js';
import { zonefileProvider } from './zonefile/index.js';

/** The explicit registry: kind → factory. */
const factories: ProviderFactory<any>[] = [zonefileProvider];

export function providerFactories(): ProviderFactory<any>[] {
  return factories;
}

export function findProviderFactory(kind: string): ProviderFactory<any> | undefined {
  return factories.find((f) => f.kind === kind);
}
