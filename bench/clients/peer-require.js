// Peers live in bench/peers (installed by `npm run bench:setup`), never in kafka08's own tree.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const requirePeer = createRequire(
  join(dirname(fileURLToPath(import.meta.url)), '..', 'peers', 'package.json'),
);
