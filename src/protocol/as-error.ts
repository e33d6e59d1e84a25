/**
 * What was thrown (anything, in JS), as an Error to reject, call back or fail with. Internal: not
 * exported from the protocol index.
 */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
