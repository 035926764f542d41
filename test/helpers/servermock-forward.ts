import http from 'node:http';
import type { Handler, MockReply } from './servermock.js';

/** Hop-by-hop headers, and the length, which servermock sets again for the body it sends. */
const NOT_PASSED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/**
 * A servermock route ("*": forwardTo(url)) that passes each request to a real server and returns its
 * answer, so the mock's spec check sees what the client sent and what the server answered: method,
 * path and query as received, every header (the API key too) but Host, and the body; back come the
 * status, the headers and the body (parsed when JSON, so the answer schema is checked). An unreachable
 * server is a 502.
 */
export function forwardTo(targetUrl: string): Handler {
  const target = new URL(targetUrl);
  return (req) =>
    new Promise<MockReply>((resolve) => {
      const headers = { ...req.headers, host: target.host };
      const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const passed: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !NOT_PASSED.has(k)) passed[k] = String(v);
          resolve({ status: res.statusCode ?? 502, headers: passed, body: parsedJson(text, passed['content-type']) });
        });
      });
      up.on('error', (e) => resolve({ status: 502, headers: { 'content-type': 'text/plain' }, body: `forwardTo: ${target.host} unreachable (${e.message})` }));
      up.end(req.raw);
    });
}

function parsedJson(text: string, contentType: string | undefined): unknown {
  if (text === '' || !/json/.test(contentType ?? '')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
