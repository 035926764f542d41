import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RecordEvent } from '../../src/core/events.js';
import { sendPing } from '../../src/notify/ping.js';
import { sendNotifications } from '../../src/notify/send.js';
import { startReceiver } from '../helpers/receiver.js';

const event: RecordEvent = { kind: 'change', name: 'app.example.test', type: 'A', old: ['192.0.2.1'], new: ['192.0.2.2'], reason: 'primary down', servers: [] };
const UA = 'dnsfail/test';

describe('notifiers and pings over HTTP', () => {
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => (rx = await startReceiver()));
  after(() => rx.close());

  it('a webhook gets the JSON body, its headers and the User-Agent at its URL exactly as written', async () => {
    rx.received.length = 0;
    rx.setStatus(200);
    const warnings = await sendNotifications([{ type: 'webhook', url: `${rx.url}/hook/abc/`, headers: { 'X-Token': 't0k' }, events: ['change'], timeoutMs: 5000, allowInsecureHttp: false }], [event], UA);
    assert.deepEqual(warnings, []);
    const [got] = rx.received;
    assert.deepEqual([rx.received.length, got?.method, got?.path, got?.headers['x-token'], got?.headers['user-agent']], [1, 'POST', '/hook/abc/', 't0k', UA]);
    assert.equal(JSON.parse(got!.body).summary, 'app.example.test A: 192.0.2.1 → 192.0.2.2 (primary down)');
  });

  it('an HTTP 500 is retried once, then reported as a warning that names the status and not the URL', async () => {
    rx.received.length = 0;
    rx.setStatus(500);
    const warnings = await sendNotifications([{ type: 'slack', url: `${rx.url}/services/secret-path`, headers: {}, events: ['change'], timeoutMs: 5000, allowInsecureHttp: false }], [event], UA);
    assert.deepEqual(warnings, ['notify[0] (slack) failed for app.example.test change: HTTP 500']);
    assert.equal(rx.received.length, 2);
  });

  it('a ping posts its text body to URL/kind; a refused connection names host and port only', async () => {
    rx.received.length = 0;
    rx.setStatus(200);
    assert.equal(await sendPing({ url: `${rx.url}/ping/abc`, timeoutMs: 5000, allowInsecureHttp: false }, 'fail', UA, 'summary'), null);
    assert.deepEqual(rx.received.map((r) => [r.path, r.body, r.headers['content-type']]), [['/ping/abc/fail', 'summary', 'text/plain']]);
    const refused = await sendPing({ url: 'http://127.0.0.1:9/ping/secret-token', timeoutMs: 2000, allowInsecureHttp: false }, 'start', UA);
    assert.match(refused ?? '', /^ping \(start\) failed: ping POST: connection refused by 127\.0\.0\.1:9 \(ECONNREFUSED\)/);
    assert.doesNotMatch(refused ?? '', /secret-token/);
  });
});

describe('exec notifier', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-notify-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gets the event in DNSFAIL_* variables and the webhook body on stdin', async () => {
    const out = join(dir, 'seen.json');
    const script = `let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ e: process.env.DNSFAIL_EVENT, n: process.env.DNSFAIL_NEW, body: JSON.parse(s).event })))`;
    const warnings = await sendNotifications([{ type: 'exec', command: [process.execPath, '-e', script], events: ['change'], timeoutMs: 10_000 }], [event], UA);
    assert.deepEqual(warnings, []);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), { e: 'change', n: '192.0.2.2', body: 'change' });
  });

  it('a failing command is a warning with its exit code and last stderr line', async () => {
    const warnings = await sendNotifications([{ type: 'exec', command: ['/bin/sh', '-c', 'echo nope >&2; exit 4'], events: ['change'], timeoutMs: 10_000 }], [event], UA);
    assert.deepEqual(warnings, ['notify[0] (exec) failed for app.example.test change: /bin/sh exited with 4: nope']);
  });
});
