import type { BenchRow } from './lib/row.js';

/** `npm run bench`: every benchmark in one run, one table of figures and ratios (Markdown). */
const BENCHES: Array<[string, () => Promise<{ run(): Promise<BenchRow[]> }>]> = [
  ['1. decide in one timeout (black-holed servers)', () => import('./decide.js')],
  ['2. start fast', () => import('./startup.js')],
  ['3. scale', () => import('./scale.js')],
  ['4. failover latency vs PowerDNS LUA', () => import('./latency-vs-lua.js')],
  ['5. vs ddclient', () => import('./vs-ddclient.js')],
  ['6. several checkers (votes)', () => import('./several-checkers.js')],
  ['7. who writes: every checker or a leader', () => import('./write-policies.js')],
];

const only = process.argv.slice(2);
const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(x < 10 ? 2 : 1));

console.log(`# dnsfail bench, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, node ${process.version}\n`);
console.log('| bench | measure | value | compared with | ratio | note |');
console.log('|---|---|---|---|---|---|');
let failed = 0;
for (const [title, load] of BENCHES) {
  if (only.length && !only.some((o) => title.includes(o))) continue;
  try {
    const rows = await (await load()).run();
    for (const r of rows) {
      const cmp = r.compare ? `${r.compare.name}: ${fmt(r.compare.value)} ${r.unit}` : '';
      console.log(`| ${title} | ${r.name} | ${fmt(r.value)} ${r.unit} | ${cmp} | ${r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : ''} | ${r.note ?? ''} |`);
    }
  } catch (e) {
    failed++;
    console.log(`| ${title} | failed | | | | ${(e as Error).message.replace(/\n/g, ' ').slice(0, 300)} |`);
  }
}
process.exitCode = failed ? 1 : 0;
