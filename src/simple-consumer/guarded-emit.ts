import { EventEmitter } from 'node:events';

/** A listener of ours or of the application threw (or its promise rejected). */
export interface ListenerErrorEvent {
  /** The event whose listener failed. */
  event: string;
  error: unknown;
}

export const LISTENER_ERROR = 'listener-error';

/**
 * Calls each listener of `event` on its own, so one that throws neither stops the others nor
 * unwinds into the code that emitted (a leader lookup, a fetch loop). A failure is reported as a
 * `listener-error` event; with no listener for that either, as a process warning, which is how
 * Node reports a bug it will not crash for. A listener's rejected promise is reported the same
 * way instead of becoming an unhandled rejection.
 *
 * `error` (whose lack of a listener keeps its usual meaning) and the report itself go through
 * EventEmitter's own emit. A subclass overrides `emit` with this.
 */
export function emitGuarded(
  emitter: EventEmitter,
  event: string | symbol,
  args: readonly unknown[],
): boolean {
  if (event === 'error' || event === LISTENER_ERROR) return emitPlain(emitter, event, args);
  const listeners = emitter.rawListeners(event);
  if (listeners.length === 0) return false;
  const report = (error: unknown): void => reportListenerError(emitter, String(event), error);
  for (const listener of listeners) {
    try {
      const result: unknown = Reflect.apply(listener, emitter, args);
      if (result instanceof Promise) result.catch(report);
    } catch (error) {
      report(error);
    }
  }
  return true;
}

function emitPlain(emitter: EventEmitter, event: string | symbol, args: readonly unknown[]): boolean {
  return EventEmitter.prototype.emit.call(emitter, event, ...args);
}

function reportListenerError(emitter: EventEmitter, event: string, error: unknown): void {
  const detail: ListenerErrorEvent = { event, error };
  if (emitter.listenerCount(LISTENER_ERROR) > 0) {
    try {
      emitPlain(emitter, LISTENER_ERROR, [detail]);
      return;
    } catch {
      // The report's own listener threw: fall through to the warning.
    }
  }
  const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.emitWarning(`a '${event}' listener threw: ${why}`, { code: 'KAFKA08_LISTENER_ERROR' });
}
