import type { FleetStore } from '../../lib/core/fleet/ports.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../../lib/core/ports.ts';

/**
 * `CrashSwitch` simulates a worker process that dies: once tripped, every call through the wrapped
 * store and HTTP client hangs forever (a dead process neither answers nor writes), so nothing the
 * "dead" worker would have done after the crash point reaches the world.
 */
export class CrashSwitch {
  crashed = false;
  private sends = 0;
  private onTrip!: () => void;
  /** Resolves when the switch trips (the worker "dies"). */
  readonly tripped = new Promise<void>((resolve) => (this.onTrip = resolve));

  /** @param afterSends trip at this many HTTP sends (the send itself never leaves); undefined = never by count. */
  constructor(private readonly afterSends?: number) {}

  trip(): void {
    this.crashed = true;
    this.onTrip();
  }

  /** The HTTP client, cut off after the switch trips. */
  http(inner: HttpClient): HttpClient {
    return {
      send: (req: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> => {
        if (!this.crashed && this.afterSends !== undefined && ++this.sends > this.afterSends) this.trip();
        return this.crashed ? hang() : inner.send(req, signal);
      },
      close: () => Promise.resolve(),
    };
  }

  /**
   * The store, cut off after the switch trips. With `afterCompleting`, the switch trips right after a
   * unit is saved (a worker that dies between saving its result and acknowledging the message).
   */
  store(inner: FleetStore, opts: { afterCompleting?: boolean } = {}): FleetStore {
    return new Proxy(inner, {
      get: (target, prop, receiver) => {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          if (this.crashed) return hang();
          const result = (await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as unknown;
          if (prop === 'completeUnit' && opts.afterCompleting) {
            this.trip();
            return hang();
          }
          return result;
        };
      },
    });
  }
}

/** A promise that never settles. */
function hang<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}
