import { CorruptError } from '../protocol/errors.js';
import type { Reader } from '../protocol/reader.js';
import { encodeRequest } from './codec.js';
import { ErrorCodes, OpCode } from './constants.js';
import { ConnectionLossError, errorForCode, ZooKeeperTimeoutError } from './errors.js';
import type { CallSpec } from './session-types.js';

/** One request from submission until its reply, its timeout or the loss of its connection. */
export interface Call {
  op: number;
  path: string | undefined;
  body: Buffer | null;
  xid: number;
  done: boolean;
  timer: NodeJS.Timeout | undefined;
  /** Decodes a successful reply; `err` is the non-zero code the call treats as a result (exists → NoNode). */
  onReply(r: Reader | null, err: number): unknown;
  /** Error codes that resolve instead of rejecting (onReply receives them with r = null). */
  acceptErrors: readonly number[];
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/**
 * The requests of one session, whatever connection carries them: held while no connection is
 * up, numbered and written in submission order once one is, and answered by position, because
 * a server replies to one connection's requests in the order it received them. Every call has
 * its own deadline, so a server that never answers cannot hold a caller forever.
 */
export class CallQueue {
  private readonly requestTimeoutMs: number;
  /** Submitted while no connection was up; written, in order, by the next {@link attach}. */
  private outbox: Call[] = [];
  /** Written to the current connection, oldest first: the next reply belongs to the head. */
  private inflight: Call[] = [];
  private xid = 0;
  /** Writes a frame to the current connection; undefined while there is none. */
  private write: ((frame: Buffer) => void) | undefined;

  constructor(requestTimeoutMs: number) {
    this.requestTimeoutMs = requestTimeoutMs;
  }

  /** Writes the request at once if a connection is up, else holds it; resolves with the decoded reply. */
  submit<T>(spec: CallSpec<T>, timeoutMs = this.requestTimeoutMs): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const call: Call = {
        op: spec.op,
        path: spec.path,
        body: spec.body,
        xid: 0,
        done: false,
        timer: undefined,
        onReply: spec.onReply,
        acceptErrors: spec.acceptErrors ?? [],
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      call.timer = setTimeout(() => {
        const i = this.outbox.indexOf(call);
        if (i !== -1) this.outbox.splice(i, 1);
        // A call already sent stays in `inflight` so later replies still line up by position.
        this.settle(call, new ZooKeeperTimeoutError(opName(call.op), timeoutMs, call.path));
      }, timeoutMs);
      if (this.write !== undefined) this.transmit(call);
      else this.outbox.push(call);
    });
  }

  /** A connection is up: the held calls go out first, so they keep their place before later ones. */
  attach(write: (frame: Buffer) => void): void {
    this.write = write;
    const held = this.outbox;
    this.outbox = [];
    for (const call of held) if (!call.done) this.transmit(call);
  }

  /**
   * The connection is gone. Calls written to it fail with `error`: whether the server applied
   * them is unknown, so resending could apply a create or a delete twice. Held calls wait for
   * the next connection.
   */
  detach(error: unknown): void {
    this.write = undefined;
    const lost = this.inflight;
    this.inflight = [];
    for (const call of lost) this.settle(call, error);
  }

  /** Fails the held calls too: no later connection will carry them (expiry, close). */
  failHeld(error: unknown): void {
    const held = this.outbox;
    this.outbox = [];
    for (const call of held) this.settle(call, error);
  }

  /**
   * The call the reply with `xid` answers: the oldest in flight. Anything else means the stream
   * is out of step, so no later reply can be trusted either: the call fails and this throws, for
   * the caller to drop the connection.
   */
  matchReply(xid: number): Call {
    const call = this.inflight.shift();
    if (call === undefined || call.xid !== xid) {
      const want = call === undefined ? 'none pending' : `expected ${call.xid}`;
      if (call !== undefined) this.settle(call, new ConnectionLossError(call.path, 'reply out of order'));
      throw new CorruptError('bad-value', `reply xid ${xid}, ${want}`, 0, 'ReplyHeader.xid');
    }
    return call;
  }

  /**
   * Settles `call` from its reply (`r` positioned after the header). A body the call cannot
   * decode rethrows after failing the call: the bytes after it cannot be trusted.
   */
  completeReply(call: Call, err: number, r: Reader): void {
    if (err !== ErrorCodes.ok && !call.acceptErrors.includes(err)) {
      this.settle(call, errorForCode(err, call.path));
      return;
    }
    // Timed out already: the reply only had to be consumed to keep the next ones in step.
    if (call.done) return;
    let value: unknown;
    try {
      value = call.onReply(err === ErrorCodes.ok ? r : null, err);
    } catch (error) {
      this.settle(call, error);
      throw error;
    }
    this.settle(call, undefined, value);
  }

  private transmit(call: Call): void {
    this.xid = this.xid >= 0x7fffffff ? 1 : this.xid + 1;
    call.xid = this.xid;
    this.inflight.push(call);
    this.write?.(encodeRequest(call.xid, call.op, call.body));
  }

  private settle(call: Call, error: unknown, value?: unknown): void {
    if (call.done) return;
    call.done = true;
    clearTimeout(call.timer);
    if (error !== undefined) call.reject(error);
    else call.resolve(value);
  }
}

function opName(op: number): string {
  for (const [name, code] of Object.entries(OpCode)) if (code === op) return name;
  return `op ${op}`;
}
