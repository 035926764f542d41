import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Dependencies run one way: src/ → the registry (providers/index.ts) → providers/<kind>/ → the kit
 * (providers/kit/), and src/ may use the kit directly. The kit imports nothing of dnsfail's outside
 * itself, a provider nothing outside its folder but the kit, and the pure core only the kit.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

type Edge = { from: string; to: string };

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** Relative imports (static, re-exports and import()) of one file, as repository paths. */
function importsOf(file: string, text: string): Edge[] {
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm)].map((m) => m[1]!);
  return specs.map((spec) => ({ from: file, to: relative(root, resolve(root, dirname(file), spec)).replace(/\.js$/, '.ts') }));
}

const top = (path: string): string[] => path.split('/');

/** Why this edge goes the wrong way, or undefined when it is allowed. */
export function wrongWay({ from, to }: Edge): string | undefined {
  const [fromTop, fromDir] = top(from);
  const [toTop, toDir] = top(to);
  const toKit = toTop === 'providers' && toDir === 'kit';
  if (fromTop === 'providers' && fromDir === 'kit') return toKit ? undefined : 'the kit imports only the kit';
  if (from === 'providers/index.ts') {
    return toKit || (toTop === 'providers' && top(to).length === 3 && to.endsWith('/index.ts')) ? undefined : 'the registry imports only the kit and provider folders\' index.ts';
  }
  if (fromTop === 'providers') return toKit || (toTop === 'providers' && toDir === fromDir) ? undefined : `a provider imports only the kit and its own folder (providers/${fromDir}/)`;
  if (fromTop === 'src' && fromDir === 'core') return toKit || (toTop === 'src' && toDir === 'core') ? undefined : 'the pure core imports only itself and the kit';
  if (fromTop === 'src' && toTop === 'providers') return toKit || to === 'providers/index.ts' ? undefined : 'src/ reaches providers only through the registry (providers/index.ts) or the kit';
  return undefined;
}

describe('import graph', () => {
  const edges = ['src', 'providers'].flatMap(sourceFiles).flatMap((f) => importsOf(f, readFileSync(join(root, f), 'utf8')));

  it('finds the imports it checks (a broken walk would pass anything)', () => {
    assert.ok(edges.length > 200, `only ${edges.length} imports found`);
    assert.ok(edges.some((e) => e.from === 'providers/index.ts' && e.to === 'providers/cloudflare/index.ts'), 'the registry\'s import() of a provider');
    assert.ok(edges.some((e) => e.from.startsWith('providers/route53/') && e.to.startsWith('providers/kit/')));
  });

  it('has no import that goes the wrong way', () => {
    const wrong = edges.flatMap((e) => {
      const why = wrongWay(e);
      return why ? [`${e.from} → ${e.to}: ${why}`] : [];
    });
    assert.deepEqual(wrong, []);
  });

  it('flags each kind of wrong-way import', () => {
    assert.ok(wrongWay({ from: 'providers/kit/http.ts', to: 'src/log/logger.ts' }));
    assert.ok(wrongWay({ from: 'providers/cloudflare/index.ts', to: 'src/util/suggest.ts' }));
    assert.ok(wrongWay({ from: 'providers/cloudflare/index.ts', to: 'providers/route53/sign.ts' }));
    assert.ok(wrongWay({ from: 'providers/index.ts', to: 'providers/route53/sign.ts' }));
    assert.ok(wrongWay({ from: 'src/app/run-once.ts', to: 'providers/cloudflare/index.ts' }));
    assert.ok(wrongWay({ from: 'src/core/select.ts', to: 'src/state/store.ts' }));
    assert.equal(wrongWay({ from: 'src/app/run-once.ts', to: 'providers/kit/types.ts' }), undefined);
    assert.equal(wrongWay({ from: 'providers/zonefile/batch.ts', to: 'providers/zonefile/serial.ts' }), undefined);
  });
});
