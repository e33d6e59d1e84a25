import { createServer } from 'node:net';
import { PortInUseError } from './errors.js';

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : undefined;
      srv.close(() => resolve(got));
    });
  });
}

/** A loopback port that was free a moment ago (the JVM binds it shortly after). */
export async function freePort(): Promise<number> {
  const p = await tryListen(0);
  if (p === undefined) throw new PortInUseError(0, 'an ephemeral port');
  return p;
}

export async function assertPortFree(port: number, role: string): Promise<void> {
  if ((await tryListen(port)) === undefined) throw new PortInUseError(port, role);
}
