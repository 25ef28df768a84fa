/**
 * The demo target's control plane: ground-truth stats, reset, and runtime fault configuration. These
 * routes are never counted nor faulted (see `Route.control`).
 */
import { FaultConfigError, parseFaultConfig } from './faults.ts';
import type { FaultController } from './faults.ts';
import { json } from './router.ts';
import type { Route } from './router.ts';

/** `ControlDeps` is what the control routes steer. */
export interface ControlDeps {
  /** The ground truth, as `GET /_stats` returns it. */
  readonly stats: () => unknown;
  /** Clears every module's state and every counter (async: a PostgreSQL coupon store truncates its tables). */
  readonly reset: () => Promise<void>;
  readonly faults: FaultController;
  readonly log: (line: string) => void;
}

/**
 * `controlRoutes` builds `GET /_stats`, `POST /_reset`, `GET /_faults` and `PUT /_faults` (whose JSON
 * body replaces the whole fault config; 400 with `issues` when invalid, the old config kept).
 */
export function controlRoutes(deps: ControlDeps): Route[] {
  return [
    { method: 'GET', path: '/_stats', control: true, handle: () => json(200, deps.stats()) },
    {
      method: 'POST',
      path: '/_reset',
      control: true,
      handle: async () => {
        await deps.reset();
        deps.log(JSON.stringify({ level: 'info', msg: 'target reset' }));
        return json(200, { reset: true });
      },
    },
    { method: 'GET', path: '/_faults', control: true, handle: () => json(200, deps.faults.get()) },
    {
      method: 'PUT',
      path: '/_faults',
      control: true,
      body: 'json',
      handle: ({ body }) => {
        try {
          deps.faults.set(parseFaultConfig(body));
        } catch (error) {
          if (error instanceof FaultConfigError) return json(400, { error: 'invalid fault config', issues: error.issues });
          throw error;
        }
        const config = deps.faults.get();
        deps.log(JSON.stringify({ level: 'info', msg: 'faults set', faults: config }));
        return json(200, config);
      },
    },
  ];
}
