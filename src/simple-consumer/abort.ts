/**
 * Calls `close` when `signal` fires (at once when it already has); returns the function that
 * stops listening, for the owner's own close. Every closeable object taking a user's signal
 * wires it this way.
 */
export function closeOnAbort(signal: AbortSignal | undefined, close: () => unknown): () => void {
  if (signal === undefined) return () => {};
  const onAbort = (): void => void close();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) void close();
  return () => signal.removeEventListener('abort', onAbort);
}
