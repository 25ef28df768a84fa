import type { FleetStore, ObjectStore, UnitQueue } from '../../core/fleet/ports.ts';
import type { Clock } from '../../core/ports.ts';
import type { FleetEnv } from './fleet-env.ts';

/** What every fleet step and the worker are given: the run table, the queue, the bucket, settings, a clock. */
export interface FleetServices {
  readonly store: FleetStore;
  readonly queue: UnitQueue;
  readonly objects: ObjectStore;
  readonly fleet: FleetEnv;
  /** The function's environment, for the plan's `${env:NAME}` references. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
}
