import type { Dispatcher } from './undici-parts.ts';
import { HttpTransportError } from '../../core/errors.ts';
import type { HttpRequest, HttpResponse } from '../../core/ports.ts';
import type { Deadline, Deadlines } from './deadlines.ts';
import { toTransportError, type TransportKind } from './undici-errors.ts';

/**
 * `Exchange` is one request driven through undici's low-level `dispatch()`: it collects the status,
 * headers and (only when asked) the body, enforces the size cap, and settles once. Using the handler
 * API directly avoids a Readable stream, an AbortController and a timer per request: undici hands us a
 * controller to abort with, and deadlines are swept by the shared `Deadlines`.
 */
export class Exchange implements Dispatcher.DispatchHandler, Deadline {
  deadline = 0;
  prev: Deadline | undefined;
  next: Deadline | undefined;
  list: Deadline['list'];
  private controller: Dispatcher.DispatchController | undefined;
  private status = 0;
  private headers: Record<string, string | string[] | undefined> = {};
  private chunks: Buffer[] | undefined;
  private size = 0;
  private settled = false;
  private firedBy: TransportKind | undefined;
  private pending: Error | undefined;

  constructor(
    private readonly req: HttpRequest,
    private readonly max: number,
    private readonly resolve: (res: HttpResponse) => void,
    private readonly reject: (err: HttpTransportError) => void,
    private readonly deadlines: Deadlines,
    readonly signal: AbortSignal | undefined,
  ) {
    if (req.readBody) this.chunks = [];
  }

  /** Starts the overall deadline (at the send, or at a staged request's release), unless settled. */
  arm(timeoutMs: number): void {
    if (!this.settled) this.deadlines.add(this, timeoutMs);
  }

  /** Called by `Deadlines` when the overall deadline passes. */
  expire(): void {
    this.abort('timeout', new HttpTransportError('timeout', `timeout: no complete response within ${this.req.timeoutMs} ms`));
  }

  /** Aborts the exchange and rejects at once, whatever undici does next. */
  abort(kind: TransportKind, reason: HttpTransportError): void {
    if (this.settled) return;
    this.firedBy ??= kind;
    this.fail(reason);
    if (this.controller) this.controller.abort(reason);
    else this.pending = reason;
  }

  fail(err: HttpTransportError): void {
    if (this.settled) return;
    this.settled = true;
    this.deadlines.remove(this);
    this.reject(err);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.pending) controller.abort(this.pending);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // 1xx informational: the real answer follows
    this.status = statusCode;
    this.headers = headers;
    const declared = this.chunks ? Number(headers['content-length']) : Number.NaN;
    if (declared > this.max) controller.abort(oversize(this.max, `content-length ${declared}`));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.chunks) return; // the body is not wanted: drop it as it arrives
    this.size += chunk.length;
    if (this.size > this.max) controller.abort(oversize(this.max, `${this.size} bytes read so far`));
    else this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    this.deadlines.remove(this);
    const body = this.chunks ? (this.chunks.length === 1 ? (this.chunks[0] as Buffer).toString('utf8') : Buffer.concat(this.chunks, this.size).toString('utf8')) : '';
    this.resolve({ status: this.status, headers: this.headers, body });
  }

  onResponseError(controller: Dispatcher.DispatchController | undefined, err: Error): void {
    // Connection errors come before any controller exists.
    const reason = controller?.reason ?? err;
    this.fail(this.firedBy ? toTransportError(reason, this.firedBy) : toTransportError(err));
  }
}


function oversize(max: number, seen: string): HttpTransportError {
  return new HttpTransportError('invalid-response', `invalid-response: body exceeds ${max} bytes (${seen})`);
}
