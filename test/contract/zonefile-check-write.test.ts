import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isProviderError, type ProviderError } from '../../providers/kit/errors.js';
import { createZonefileProvider } from '../../providers/zonefile/index.js';
import { defaultZoneText } from '../helpers/bind.js';

// checkWrite of the zone-file provider (used by `doctor`): may this user replace the file, without
// writing it? As root the refusal is checked by running the provider as user nobody.

const ZONE = 'example.test';
const APP = { name: `app.${ZONE}`, type: 'A' } as const;
let baseDir = '';
before(async () => {
  baseDir = await mkdtemp(join(tmpdir(), 'dnsfail-zonefile-check-'));
});
after(async () => {
  await rm(baseDir, { recursive: true, force: true });
});
let fileCounter = 0;
const freshFile = () => join(baseDir, `z${++fileCounter}`, `${ZONE}.zone`);
const withDir = async (file: string) => (await mkdir(join(file, '..'), { recursive: true }), file);
const provider = (file: string) => createZonefileProvider({ type: 'zonefile', file, zone: ZONE }, { userAgent: 'dnsfail-test', baseDir });

describe('zonefile checkWrite (may this user replace the file?)', () => {
  /** checkWrite's outcome for a user who may not write `dir`: root runs it as nobody, others lose the write bit. */
  async function checkWriteWithoutAccess(file: string): Promise<string> {
    if (process.getuid?.() !== 0) {
      await chmod(join(file, '..'), 0o555);
      try {
        return await provider(file).checkWrite!(APP).then(() => 'ok', (e: Error) => `${(e as ProviderError).kind}: ${e.message}`);
      } finally {
        await chmod(join(file, '..'), 0o755);
      }
    }
    const module = new URL('../../providers/zonefile/index.js', import.meta.url).href;
    const script = `const { createZonefileProvider } = await import(${JSON.stringify(module)});
      const p = createZonefileProvider({ type: 'zonefile', file: ${JSON.stringify(file)}, zone: '${ZONE}' }, { userAgent: 't', baseDir: '/' });
      await p.checkWrite({ name: '${APP.name}', type: 'A' }).then(() => console.log('ok'), (e) => console.log(e.kind + ': ' + e.message));`;
    return new Promise((done, fail) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, timeout: 10_000 }, (err, stdout, stderr) => (err ? fail(new Error(stderr)) : done(stdout.trim()))),
    );
  }

  it('passes for a file (or a file still to be created) in a directory this user may write, and changes nothing', async () => {
    const file = await withDir(freshFile());
    await provider(file).checkWrite!(APP);
    await assert.rejects(stat(file), { code: 'ENOENT' }, 'nothing created');
    await writeFile(file, defaultZoneText(ZONE));
    await provider(file).checkWrite!(APP);
    assert.equal(await readFile(file, 'utf8'), defaultZoneText(ZONE));
  });

  it('refuses with an auth error naming the directory when this user may not write it', async () => {
    const file = await withDir(freshFile());
    await writeFile(file, defaultZoneText(ZONE));
    await chmod(baseDir, 0o755); // mkdtemp's 0700 would stop another user before the zone's directory
    await chmod(join(file, '..'), 0o755);
    const outcome = await checkWriteWithoutAccess(file);
    assert.match(outcome, new RegExp(`^auth: cannot write zone file ${file.replaceAll('.', '\\.')}: ${join(file, '..').replaceAll('.', '\\.')} is not writable for this user \\(EACCES\\)`));
  });

  it('a name outside the zone is refused as for a write', async () => {
    await assert.rejects(provider(freshFile()).checkWrite!({ name: 'app.other.test', type: 'A' }), (e: unknown) => isProviderError(e) && e.kind === 'fatal' && /not inside zone/.test(e.message));
  });
});
