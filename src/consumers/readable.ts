import { Readable } from 'node:stream';

/**
 * An object-mode Readable over a pull function. `read` is only called while the stream wants
 * more (push returned true), which is the backpressure: nothing is read ahead of the buffer.
 */
export function toReadable<T>(
  pull: () => Promise<{ value: T } | undefined>,
  close: () => Promise<void>,
  highWaterMark: number,
): Readable {
  let reading = false;
  const stream: Readable = new Readable({
    objectMode: true,
    highWaterMark,
    read(): void {
      if (reading) return;
      reading = true;
      void (async () => {
        try {
          for (;;) {
            const item = await pull();
            if (stream.destroyed) return;
            if (item === undefined) {
              stream.push(null);
              return;
            }
            if (!stream.push(item.value)) return;
          }
        } catch (err) {
          stream.destroy(err as Error);
        } finally {
          reading = false;
        }
      })();
    },
    destroy(err, callback): void {
      close().then(
        () => callback(err),
        (closeErr: unknown) => callback((err ?? closeErr) as Error | null),
      );
    },
  });
  return stream;
}
