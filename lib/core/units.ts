import { z } from 'zod';
import { CursorSchema } from './engine/cursor.ts';

/**
 * `UnitSchema`: the unit of distributed work, small enough for an SQS message. A `batch` names the
 * payload indexes it runs in order; a `resume` carries parked lifecycles (cursors) to continue, e.g. the
 * deferred cleanups of a batch. A worker needs only its unit (and the plan) to know what to do.
 */
export const UnitSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('batch'),
    runId: z.string().min(1),
    unitId: z.string().min(1),
    indices: z.array(z.int().min(0)).min(1),
    group: z.string().optional(),
  }),
  z.strictObject({
    kind: z.literal('resume'),
    runId: z.string().min(1),
    unitId: z.string().min(1),
    cursors: z.array(CursorSchema).min(1),
  }),
]);
export type Unit = z.output<typeof UnitSchema>;
export type BatchUnit = Extract<Unit, { kind: 'batch' }>;
