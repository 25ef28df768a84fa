import * as z from 'zod';
import { CursorSchema } from './engine/cursor.ts';

/**
 * `UnitSchema`: the unit of distributed work, small enough for an SQS message. A `batch` names the
 * payload indexes it runs in order; `rate`, `vus` and `burst` carry one worker's share of an open rate,
 * of the virtual users, or of a burst, with absolute start times; a `resume` carries parked lifecycles
 * (cursors) to continue, e.g. the deferred cleanups of a batch. A worker needs only its unit (and the
 * plan) to know exactly what to do, so workers agree without talking to each other.
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
    kind: z.literal('rate'),
    runId: z.string().min(1),
    unitId: z.string().min(1),
    worker: z.int().min(0),
    ratePerSec: z.number().min(0),
    /** Common absolute start (epoch ms); the k-th start is intended at startAt + jitterMs + k * intervalMs. */
    startAt: z.number(),
    jitterMs: z.number().min(0),
    intervalMs: z.number().positive(),
    /** Lifecycle number (payload index) of this worker's first start; its starts are numbered on from it. */
    firstIndex: z.int().min(0),
    count: z.int().min(0),
    maxInFlight: z.int().min(1),
  }),
  z.strictObject({
    kind: z.literal('vus'),
    runId: z.string().min(1),
    unitId: z.string().min(1),
    /** Users firstVu .. firstVu + vus - 1 of totalVus; user u's i-th lifecycle is number i * totalVus + u. */
    firstVu: z.int().min(0),
    vus: z.int().min(1),
    totalVus: z.int().min(1),
    startAt: z.number(),
    durationMs: z.number().positive(),
    /** Iteration every user starts at (default 0): a continuation's, after a park, goes on from there. */
    firstIteration: z.int().min(0).optional(),
  }),
  z.strictObject({
    kind: z.literal('burst'),
    runId: z.string().min(1),
    unitId: z.string().min(1),
    firstIndex: z.int().min(0),
    count: z.int().min(1),
    /** The instant every slice of the burst releases its lifecycles (epoch ms). */
    startAt: z.number(),
  }),
  z.strictObject({
    kind: z.literal('phases'),
    runId: z.string().min(1),
    unitId: z.string().min(1),
    /** Users firstUser .. firstUser + users - 1 of totalUsers; the phases themselves come from the plan. */
    firstUser: z.int().min(0),
    users: z.int().min(1),
    totalUsers: z.int().min(1),
    startAt: z.number(),
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
export type RateUnit = Extract<Unit, { kind: 'rate' }>;
export type VusUnit = Extract<Unit, { kind: 'vus' }>;
export type BurstUnit = Extract<Unit, { kind: 'burst' }>;
export type PhasesUnit = Extract<Unit, { kind: 'phases' }>;
