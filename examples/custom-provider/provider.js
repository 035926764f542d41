// A minimal third-party dnsfail provider: keeps records in a JSON file.
// Plain ESM JavaScript with no dependencies and no imports from dnsfail; copy it and replace
// readRecords/writeRecords with calls to your DNS service's API. See providers/README.md.
//
// The file looks like: { "app.example.test": { "A": { "values": ["192.0.2.10"], "ttl": 60 } } }
import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * dnsfail validates the provider's config block with `configSchema.safeParse(block)`. A zod schema
 * (v3 or v4) works; this is the same contract by hand: { success: true, data } or
 * { success: false, error: { issues: [{ path, message }] } }.
 */
const configSchema = {
  safeParse(value) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return invalid([{ path: [], message: 'expected a mapping' }]);
    const issues = [];
    for (const key of Object.keys(value)) {
      if (key !== 'type' && key !== 'file') issues.push({ path: [key], message: `unknown key "${key}" (this provider takes: file)` });
    }
    if (typeof value.file !== 'string' || value.file === '') issues.push({ path: ['file'], message: 'required: the JSON file to keep the records in' });
    return issues.length ? invalid(issues) : { success: true, data: { type: value.type, file: value.file } };
  },
};

const invalid = (issues) => ({ success: false, error: { issues } });

/**
 * dnsfail reads `kind` from a thrown error: transient and rate-limited are retried (rate-limited
 * waits retryAfterMs); lockout stops all calls until the config changes or `dnsfail unlock`;
 * auth, conflict and fatal fail this run. An error without a kind counts as fatal.
 */
function providerError(kind, message, extra = {}) {
  return Object.assign(new Error(message), { name: 'ProviderError', kind, ...extra });
}

/** Errors worth another try: the disk was busy, not wrong. */
const TEMPORARY = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ETIMEDOUT']);

function fileError(e, what, file) {
  const kind = TEMPORARY.has(e.code) ? 'transient' : 'fatal';
  return providerError(kind, `cannot ${what} ${file}: ${e.code ?? e.message}`);
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
    throw providerError('fatal', `${file} is not valid JSON; fix or remove it`);
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

const sameSet = (a, b) => a.length === b.length && a.every((v) => b.includes(v));

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
          const records = await readRecords(file);
          const current = records[ref.name]?.[ref.type];
          if (current && current.ttl === req.ttl && sameSet(current.values, req.values)) return;
          records[ref.name] = { ...records[ref.name], [ref.type]: { values: [...req.values], ttl: req.ttl } };
          await writeRecords(file, records);
        });
      },

      // Optional: release connections, timers …
      async close() {},
    };
  },
};
