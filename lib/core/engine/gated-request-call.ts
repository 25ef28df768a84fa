import type { StagedRequest } from '../ports.ts';
import { RequestCall } from './request-call.ts';
import { NOT_RELEASED } from './request-outcome.ts';

/**
 * A request held at a gate (a burst's common start): rendered, it waits for the gate, then goes on as
 * any `RequestCall`. Shortly before the gate opens, `stage()` admits it and has the HTTP client stage
 * it (bytes written onto an open socket and held back), so the opening only releases them; when the
 * gate never opens (a stop) it is dropped unsent, staged or not.
 */
export class GatedRequestCall extends RequestCall {
  /** The gate: pending until it opens or never will. */
  private gate: 'pending' | 'open' | 'closed' = 'pending';
  /** Admitted ahead of its gate by `stage()`, until it is staged, held, or the gate has settled it. */
  private staging = false;
  /** What the HTTP client staged, until the gate releases or cancels it. */
  private staged: StagedRequest | undefined;
  /** Admitted by `stage()` but not staged (the client had no idle open socket): sent at the release. */
  private heldHeaders: Readonly<Record<string, string>> | undefined;
  /** The staged request was cancelled (its gate never opened): its rejection is no attempt. */
  private cancelled = false;

  /** Holds the rendered request until the gate opens, or drops it; `onRelease` runs at its first send. */
  gated(gate: Promise<boolean>, onRelease: (() => void) | undefined): void {
    this.onSend = onRelease;
    gate.then(
      (released) => {
        this.gate = released ? 'open' : 'closed';
        try {
          if (this.staging) this.gateSettledWhileStaging(released);
          else if (!released) this.owner.settle(NOT_RELEASED);
          else this.next();
        } catch (error) {
          this.owner.fault(error);
        }
      },
      (error: unknown) => this.owner.fault(error),
    );
  }

  /**
   * Admits the gated request now, ahead of its gate (tokens, budget, breaker, concurrency slot), and
   * has the HTTP client stage it (`HttpClient.stage`): rendered and written onto an open socket, its
   * bytes held back. The gate then only releases them, or cancels them unsent when it never opens. A
   * client that cannot stage it (no idle open socket) leaves it admitted, sent when the gate opens.
   */
  stage(): void {
    if (this.gate !== 'pending' || this.staging || !this.ctx.http.stage) return;
    this.staging = true;
    try {
      this.next();
    } catch (error) {
      this.staging = false;
      this.owner.fault(error);
    }
  }

  /** While `stage()` admits it, the attempt is staged (or held); otherwise sent as usual. */
  protected override send(headers: Readonly<Record<string, string>>): void {
    if (this.staging) this.sendStaged(headers);
    else this.sendNow(headers);
  }

  /** A cancelled staged request's rejection is no attempt: the lifecycle is dropped, not failed. */
  protected override sendFailed(error: unknown): void {
    if (!this.cancelled) {
      super.sendFailed(error);
      return;
    }
    this.cancelled = false;
    try {
      this.notReleased();
    } catch (fault) {
      this.owner.fault(fault);
    }
  }

  /** An attempt admitted by `stage()`: staged while its gate is shut, else as the gate has settled. */
  private sendStaged(headers: Readonly<Record<string, string>>): void {
    if (this.gate !== 'pending') {
      this.staging = false;
      if (this.gate === 'open') this.sendNow(headers);
      else this.notReleased();
      return;
    }
    let staged: StagedRequest | undefined;
    try {
      staged = this.ctx.http.stage?.(this.request(headers), this.inflight);
    } catch (error) {
      this.staging = false;
      this.sendFailed(error);
      return;
    }
    if (!staged) {
      this.heldHeaders = headers;
      return;
    }
    this.staged = staged;
    // A staged request that fails before its release (the target closed the socket) is no longer the
    // gate's to release: it is an attempt like any other, retried (and staged again) as the policy says.
    staged.response.then(
      (res) => {
        if (this.staged === staged) this.staged = undefined;
        this.received(res);
      },
      (error: unknown) => {
        if (this.staged === staged) this.staged = undefined;
        this.sendFailed(error);
      },
    );
  }

  /** The gate of a request `stage()` admitted has settled: release or cancel what waits for it. */
  private gateSettledWhileStaging(released: boolean): void {
    const { staged, heldHeaders } = this;
    // Still being admitted (a token, a slot): `sendStaged` reads the gate when it gets there.
    if (!staged && !heldHeaders) return;
    this.staging = false;
    this.staged = this.heldHeaders = undefined;
    if (heldHeaders) {
      if (released) this.sendNow(heldHeaders);
      else this.notReleased();
    } else if (released) {
      this.sending();
      staged?.release();
    } else {
      this.cancelled = true;
      staged?.cancel();
    }
  }

  /** An admitted request whose gate never opened: its slot goes back, the lifecycle is dropped. */
  private notReleased(): void {
    this.ctx.guard.release();
    this.owner.settle(NOT_RELEASED);
  }
}
