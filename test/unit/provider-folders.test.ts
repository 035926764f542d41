import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Every provider folder has the usual shape (providers/README.md, "Adding a built-in provider"), or a
 * "Files" section in its README that names each other file and each usual one it lacks; the files that
 * section names exist, in the folder or (as `kit/…`) in the kit. Every client is created the same way.
 */
const providers = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'providers');
const USUAL = ['README.md', 'api.ts', 'index.ts', 'parse.ts'];

const kinds = readdirSync(providers, { withFileTypes: true })
  .filter((e) => e.isDirectory() && e.name !== 'kit')
  .map((e) => e.name);

function filesSection(readme: string): string | undefined {
  return /^## Files\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
}

describe('provider folders', () => {
  it('there are some', () => assert.ok(kinds.length >= 15, kinds.join(', ')));

  for (const kind of kinds) {
    it(`${kind}: the usual files, or a Files section that says what differs and names only files that exist`, () => {
      const files = readdirSync(join(providers, kind));
      assert.ok(files.includes('index.ts') && files.includes('README.md'), 'index.ts and README.md');
      const extra = files.filter((f) => !USUAL.includes(f));
      const missing = USUAL.filter((f) => !files.includes(f));
      const section = filesSection(readFileSync(join(providers, kind, 'README.md'), 'utf8'));
      if (!extra.length && !missing.length) return;
      assert.ok(section, `README.md needs a "## Files" section: it has ${extra.join(', ') || 'no other file'} and lacks ${missing.join(', ') || 'nothing'}`);
      for (const f of [...extra, ...missing]) assert.ok(section.includes(`\`${f}\``), `the Files section names \`${f}\``);
      for (const [, named] of section.matchAll(/`([\w/-]+\.ts)`/g)) {
        if (missing.includes(named!)) continue;
        const path = named!.startsWith('kit/') ? join(providers, named!) : join(providers, kind, named!);
        assert.ok(existsSync(path), `the Files section names \`${named}\`, which does not exist`);
      }
    });

    if (existsSync(join(providers, kind, 'api.ts'))) {
      it(`${kind}: its client is created as every client is, create<Kind>Api(config, ctx, deps)`, () => {
        const api = readFileSync(join(providers, kind, 'api.ts'), 'utf8');
        assert.match(api, /^export function create\w+Api\(config: \w+Config, _?ctx: ProviderContext, deps: \w+ = \{\}\): \w+ \{$/m);
      });
    }
  }
});
