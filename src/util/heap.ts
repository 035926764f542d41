import { setFlagsFromString } from 'node:v8';

/**
 * V8 sizes its heap for throughput. Parsing a large config and then thousands of probes let its
 * young generation grow to 32 MB and its old one to about three times what is live, so a
 * 1,000-record run peaked at 130 or at 150 MB of RSS depending on V8's own timing. Keeping the young
 * generation at its start size and the old one at 1.5× its live size after each full collection
 * brings that run to about 85 MB, no slower (`npm run bench`). V8 reads both flags when it next
 * resizes, so they hold once set, as long as that happens before the config is parsed.
 *
 * The config loader calls this for large configs only: after a flag change Node compiles the
 * built-in modules it loads later without their code cache (about 7 ms), and node:v8 itself takes
 * 4 ms to load.
 */
export function tuneHeapForLargeConfig(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=50');
}
