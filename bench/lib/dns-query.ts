import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';

/**
 * One UDP query for `name` A, straight to server:port (no resolver library, so no cache between
 * polls). Resolves with the A values of the answer, sorted (empty for NXDOMAIN, REFUSED, no data);
 * rejects when no reply comes within timeoutMs.
 */
export function queryA(server: string, port: number, name: string, timeoutMs = 500): Promise<string[]> {
  const id = Math.floor(Math.random() * 0xffff);
  const query = dnsPacket.encode({ type: 'query', id, flags: 0, questions: [{ type: 'A', name, class: 'IN' }] });
  return new Promise((done, fail) => {
    const sock = createSocket('udp4');
    const finish = (err: Error | null, values?: string[]) => {
      clearTimeout(timer);
      sock.close();
      if (err) fail(err);
      else done(values ?? []);
    };
    const timer = setTimeout(() => finish(new Error(`no DNS reply from ${server}:${port} for ${name} within ${timeoutMs} ms`)), timeoutMs);
    sock.on('error', (e) => finish(e));
    sock.on('message', (msg) => {
      let reply;
      try {
        reply = dnsPacket.decode(msg);
      } catch {
        return;
      }
      if (reply.id !== id) return;
      const values = (reply.answers ?? []).flatMap((a) => (a.type === 'A' ? [String(a.data)] : []));
      finish(null, values.sort());
    });
    sock.send(query, port, server);
  });
}
