import type { Clock } from '../ports.ts';
import { CircuitBreaker } from '../resilience/circuit-breaker.ts';
import { TokenBucket } from '../resilience/token-bucket.ts';
import type { CompiledRequest } from './compiled-request.ts';

/** The circuit breaker settings of a plan (`target.circuitBreaker`), or `false` for none. */
export type BreakerSettings = { readonly failureThreshold: number; readonly cooldown: number } | false;

/**
 * `EndpointGates` holds each endpoint's token bucket (`rateLimit`) and circuit breaker, made on the
 * first request to the endpoint and shared by every request to it for the rest of the run.
 */
export class EndpointGates {
  private readonly limiters = new Map<string, TokenBucket | null>();
  private readonly breakers = new Map<string, CircuitBreaker | null>();

  constructor(
    private readonly clock: Clock,
    private readonly breaker: BreakerSettings,
  ) {}

  /** The endpoint's token bucket (`rateLimit`), or null when it has none. */
  limiterFor(req: CompiledRequest): TokenBucket | null {
    let limiter = this.limiters.get(req.name);
    if (limiter === undefined) {
      limiter = req.rateLimit ? new TokenBucket({ ratePerSec: req.rateLimit }, this.clock) : null;
      this.limiters.set(req.name, limiter);
    }
    return limiter;
  }

  /** The endpoint's circuit breaker, or null when the plan has none. */
  breakerFor(req: CompiledRequest): CircuitBreaker | null {
    let breaker = this.breakers.get(req.name);
    if (breaker === undefined) {
      const cfg = this.breaker;
      breaker = cfg ? new CircuitBreaker({ failureThreshold: cfg.failureThreshold, cooldownMs: cfg.cooldown }, this.clock) : null;
      this.breakers.set(req.name, breaker);
    }
    return breaker;
  }
}
