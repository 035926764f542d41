import { resolve } from 'node:path';
import * as z from 'zod/mini';
import { argv, doc, nonEmpty, optional } from '../kit/schema.js';
import type { CurrentRecord, Provider, ProviderContext, ProviderFactory, RecordRef, WriteItem, WriteRequest } from '../kit/types.js';
import { checkName, checkWritable, readRecords, writeRecords, type ZoneFile } from './batch.js';
import { bareName, domainName } from '../kit/records.js';

export const zonefileConfigSchema = doc(
  z.strictObject({
    type: doc(z.literal('zonefile'), 'Provider kind: an RFC 1035 zone (master) file on this machine.'),
    file: doc(
      nonEmpty(),
      'Path of the zone file; relative paths resolve against the config file\'s directory. Created with a valid SOA and NS when missing.',
    ),
    zone: doc(domainName(), 'The zone\'s origin, e.g. example.test. Managed names must be inside it.'),
    reload: optional(
      argv(),
      'Command (argv, no shell) run after each write so the server loads it, e.g. ["rndc", "reload", "example.test"]. Times out after 30 s; on failure the previous file is restored.',
    ),
    nameservers: optional(
      z.array(domainName()).check(z.minLength(1)),
      'NS names written only when the file is created (the first is also the SOA primary). Default ["localhost."].',
    ),
  }),
  'Zone-file provider: rewrites one A/AAAA rrset in a BIND/NSD/Knot/CoreDNS zone file.',
);

export type ZonefileConfig = z.infer<typeof zonefileConfigSchema>;

export interface ZonefileDeps {
  now?: () => Date;
}

export function createZonefileProvider(config: ZonefileConfig, ctx: ProviderContext, deps: ZonefileDeps = {}): Provider {
  const zf: ZoneFile = {
    path: resolve(ctx.baseDir, config.file),
    zone: bareName(config.zone),
    nameservers: config.nameservers ?? ['localhost.'],
    now: deps.now ?? (() => new Date()),
    ...(config.reload ? { reload: config.reload } : {}),
  };

  return {
    async read(ref: RecordRef): Promise<CurrentRecord | null> {
      const [result] = await readRecords(zf, [ref]);
      if (result instanceof Error) throw result;
      return result ?? null;
    },

    async write(ref: RecordRef, req: WriteRequest): Promise<void> {
      const [result] = await writeRecords(zf, [{ ref, req }]);
      if (result && !result.ok) throw result.error;
    },

    async checkWrite(ref: RecordRef): Promise<void> {
      checkName(zf, ref);
      checkWritable(zf.path);
    },

    readMany: (refs: RecordRef[]) => readRecords(zf, refs),
    writeMany: (items: WriteItem[]) => writeRecords(zf, items),
  };
}

export const zonefileProvider: ProviderFactory<ZonefileConfig> = {
  kind: 'zonefile',
  description: 'Rewrites the record in an RFC 1035 zone file (BIND, NSD, Knot, CoreDNS file) and runs a reload command.',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: true, batch: true, txt: true },
  configSchema: zonefileConfigSchema,
  zoneOf: (config) => bareName(config.zone),
  create: (config, ctx) => createZonefileProvider(config, ctx),
};

export default zonefileProvider;
