import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Build step (package.json "bundle"): runs the built CLI twice on a loopback config with a tcp and
 * an http check and a zone file, the second time as the no-change run cron makes every minute, and
 * saves the V8 code cache of that run next to the bundle. bin/dnsfail.js then starts from it.
 * The cache only saves start-up time, so a failure here warns and leaves the build without one
 * (test/e2e/bundle.test.ts fails if a build ships none).
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = join(root, 'bin', 'dnsfail.js');
const cacheFile = join(root, 'dist', 'bundle', 'dnsfail.cjs.cache');

const listen = (server: Server) => new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
const tcp = createTcpServer((s) => s.end());
const http = createHttpServer((_req, res) => res.end('ok'));
const [tcpPort, httpPort] = [await listen(tcp), await listen(http as unknown as Server)];

const dir = mkdtempSync(join(tmpdir(), 'dnsfail-code-cache-'));
try {
  const config = join(dir, 'dnsfail.yaml');
  writeFileSync(
    config,
    `providers:\n  local: { type: zonefile, file: ./train.test.zone, zone: train.test }\nrecords:\n` +
      `  - { name: a.train.test, check: { type: tcp, port: ${tcpPort}, timeout: 1s }, servers: [127.0.0.1] }\n` +
      `  - { name: b.train.test, check: { type: http, port: ${httpPort}, path: /, timeout: 1s }, servers: [127.0.0.1] }\n`,
  );
  // The servers above answer from this process's event loop, so the child runs asynchronously.
  const run = (env: Record<string, string>) =>
    new Promise<number | null>((done) => {
      const child = spawn(process.execPath, [bin, 'check', '-c', config, '--state', join(dir, 'state.json')], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('close', done);
    });
  const first = await run({});
  const second = await run({ DNSFAIL_WRITE_CODE_CACHE: cacheFile });
  if (first !== 0 || second !== 0 || !existsSync(cacheFile)) throw new Error(`the training runs exited ${first} and ${second}`);
  console.log(`code cache: ${Math.round(statSync(cacheFile).size / 1024)} kB`);
} catch (e) {
  rmSync(cacheFile, { force: true });
  console.warn(`warning: no code cache was made (${(e as Error).message}); dnsfail works, but starts slower`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  tcp.close();
  http.close();
}
