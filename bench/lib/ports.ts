import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** A port free for both TCP and UDP on `host` a moment ago (the OS picks it). */
export async function freeUdpTcpPort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((done, fail) => {
      const srv = createServer();
      srv.once('error', fail);
      srv.listen(0, host, () => {
        const addr = srv.address();
        srv.close(() => done(typeof addr === 'object' && addr ? addr.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((done) => {
      const sock = createSocket('udp4');
      sock.once('error', () => done(false));
      sock.bind(port, host, () => sock.close(() => done(true)));
    });
    if (port && udpFree) return port;
  }
  throw new Error(`no port free for both TCP and UDP on ${host}`);
}
