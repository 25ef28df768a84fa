import type { z } from 'zod';
import type { Plan } from '../plan/schema.ts';
import { DayInLifeSchema, compileDayInLife } from './day-in-life.ts';

/**
 * `Preset` accepts a workload's own configuration shape and compiles it into the general plan.
 * Presets add no engine code paths: anything a preset needs, the general plan can say too.
 */
export interface Preset<S extends z.ZodType = z.ZodType> {
  readonly kind: string;
  readonly description: string;
  readonly schema: S;
  compile(config: z.output<S>): Plan;
}

function preset<S extends z.ZodType>(p: Preset<S>): Preset {
  return p as unknown as Preset;
}

/** Every preset, by `kind`. */
export const PRESETS: ReadonlyMap<string, Preset> = new Map([
  ['day-in-life', preset({ kind: 'day-in-life', description: 'orders in homogeneous batches: create, poll, activate, cleanup (seed 002)', schema: DayInLifeSchema, compile: compileDayInLife })],
]);
