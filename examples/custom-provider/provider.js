// A minimal third-party dnsfail provider: keeps records in a JSON file.
// Plain ESM JavaScript; everything it needs from dnsfail comes from the provider kit, 'dnsfail/provider'
// (it resolves wherever the dnsfail package is installed: `npm install dnsfail` next to this file, or
// a dependency of your provider package). Copy it and replace readRecords/writeRecords with calls to
// your DNS service's API. See providers/README.md.
//
// The file looks like: { "app.example.test": { "A": { "values": ["192.0.2.10"], "ttl": 60 } } }
import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { checkAddress, doc, nonEmpty, ProviderError, sameAddressSet, z } from 'dnsfail/provider';

/**
 * dnsfail validates the provider's config block (with `type` in it) with this schema, built like the
 * built-in providers' ones: a strict object, so a typo such as `fil:` is reported as an unknown key.
 */
const configSchema = z.strictObject({
  type: z.string(),
  file: doc(nonEmpty(), 'The JSON file to keep the records in; relative to the config file.'),
});

/** Errors worth another try: the disk was busy, not wrong. */
const TEMPORARY = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ETIMEDOUT']);

/**
 * dnsfail acts on the kind of a ProviderError: transient and rate-limited are retried (rate-limited
 * waits retryAfterMs); lockout stops all calls until the config changes or `dnsfail unlock`; auth,
 * conflict and fatal fail this run. Any other error counts as fatal.
 */
function fileError(e, what, file) {
  return new ProviderError(TEMPORARY.has(e.code) ? 'transient' : 'fatal', `cannot ${what} ${file}: ${e.code ?? e.message}`);
}

async function readRecords(file) {
  let text;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (e.code === 'ENOENT') return {};
    throw fileError(e, 'read', file);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderError('fatal', `${file} is not valid JSON; fix or remove it`);
  }
}

/** Write a temp file and rename it over the old one: a reader never sees half a file. */
async function writeRecords(file, records) {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, JSON.stringify(records, null, 2) + '\n');
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw fileError(e, 'write', file);
  }
}

/** @type {import('dnsfail/provider').ProviderFactory<{ type: string; file: string }>} */
export default {
  kind: 'json-file',
  description: 'Keeps records in a JSON file (an example third-party provider).',
  capabilities: { read: true, multiValue: true, aaaa: true, ttl: true, compareAndSet: false, batch: false },
  secretKeys: [],
  configSchema,

  create(config, ctx) {
    // Relative paths in the config are relative to the config file, not to the working directory.
    const file = resolve(ctx.baseDir, config.file);
    // dnsfail may write several records at once; one read-modify-write at a time keeps them all.
    let queue = Promise.resolve();
    const serialized = (fn) => {
      const run = queue.then(fn, fn);
      queue = run.catch(() => {});
      return run;
    };

    return {
      // ref: { name: 'app.example.test', type: 'A' | 'AAAA' }. Returns null when there is no such record.
      async read(ref) {
        const rec = (await readRecords(file))[ref.name]?.[ref.type];
        return rec ? { values: rec.values, ttl: rec.ttl } : null;
      },

      // Make the record hold exactly req.values. Idempotent: nothing is written when it already does.
      write(ref, req) {
        return serialized(async () => {
          // checkAddress: the canonical form of each address, or a fatal error for one of the wrong family.
          const values = [...new Set(req.values.map((v) => checkAddress(ref.type, v)))];
          const records = await readRecords(file);
          const current = records[ref.name]?.[ref.type];
          if (current && current.ttl === req.ttl && sameAddressSet(current.values, values)) return;
          records[ref.name] = { ...records[ref.name], [ref.type]: { values, ttl: req.ttl } };
          await writeRecords(file, records);
        });
      },

      // Optional: release connections, timers …
      async close() {},
    };
  },
};
