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

/**
 * A loopback port that was free a moment ago (the JVM binds it shortly after), and not one of
 * `taken`: the probe socket is closed at once, so the kernel may hand the same ephemeral port out
 * again to the next probe, before anything has bound the first.
 */
export async function freePort(
  taken: readonly number[] = [],
  /** A test seam: asks the kernel for an ephemeral port (undefined when it refuses). */
  probe: () => Promise<number | undefined> = () => tryListen(0),
): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const p = await probe();
    if (p === undefined) break;
    if (!taken.includes(p)) return p;
  }
  throw new PortInUseError(0, 'an ephemeral port');
}

export async function assertPortFree(port: number, role: string): Promise<void> {
  if ((await tryListen(port)) === undefined) throw new PortInUseError(port, role);
}
