import * as z from 'zod';
import { MAX_EXACTLY_VALUES, MAX_PAYLOADS, overCeiling } from '../ceilings.ts';
import { WeightSchema } from './numbers.ts';

/** A count of payloads: at most `MAX_PAYLOADS`. */
const PayloadCount = z.int().max(MAX_PAYLOADS, { error: overCeiling(String(MAX_PAYLOADS), 'payloads of one run') });

/**
 * `FieldSpecSchema` says how one payload field is generated. Payload *i* is a pure function of
 * (plan seed, i), so any worker can rebuild any payload.
 *
 * - a string, with `{{index}}`, `{{seq}}` (1-based) and zero-padding, e.g. `"ORD-2024-{{seq:06}}"`;
 * - a number, boolean or null, used as is;
 * - `{ exactly: { activate: 170, accepted: 30 } }`: exact counts per value, shuffled by the seed;
 * - `{ pick: [a, b, c] }` (optionally `weights: [..]`): a seeded draw per payload;
 * - `{ int: [min, max] }`: a seeded integer, both ends included;
 * - `{ uuid: true }`: a seeded RFC 4122 v4-shaped id;
 * - `{ literal: value }`: any JSON value, not interpreted;
 * - any other object: a nested object whose values are field specs.
 */
export const FieldSpecSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.strictObject({
    exactly: z
      .record(z.string(), PayloadCount.min(0))
      .refine((counts) => Object.keys(counts).length <= MAX_EXACTLY_VALUES, { error: `at most ${MAX_EXACTLY_VALUES} values (the exact-count table numbers them in 16 bits)` }),
  }),
  z
    .strictObject({ pick: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1), weights: z.array(WeightSchema).optional() })
    .superRefine((spec, ctx) => {
      if (spec.weights === undefined) return;
      if (spec.weights.length !== spec.pick.length) {
        ctx.addIssue({ code: 'custom', path: ['weights'], message: `give one weight per pick value: ${spec.pick.length} values, ${spec.weights.length} weights` });
      } else if (spec.weights.every((w) => w === 0)) {
        ctx.addIssue({ code: 'custom', path: ['weights'], message: 'at least one weight must be above 0' });
      }
    }),
  z.strictObject({ int: z.tuple([z.int(), z.int()]) }).refine((spec) => spec.int[0] <= spec.int[1], { path: ['int'], message: 'int range must be [min, max] with min <= max' }),
  z.strictObject({ uuid: z.literal(true) }),
  z.strictObject({ literal: z.unknown() }),
  // A nested object must not look like a generator (the payload builder would read it as one):
  // `{ uuid: false }` or `{ pick: red }` is a mistyped generator, not a nested object.
  z.record(z.string(), z.lazy((): z.ZodType => FieldSpecSchema)).superRefine((spec, ctx) => {
    if (!isGeneratorShape(spec)) return;
    const key = Object.keys(spec)[0] as keyof typeof GENERATOR_FORMS;
    ctx.addIssue({ code: 'custom', message: `invalid ${key} generator: write it as ${GENERATOR_FORMS[key]}` });
  }),
]);
export type FieldSpec = z.output<typeof FieldSpecSchema>;

/** The generator forms of a field, as they are written. */
const GENERATOR_FORMS = {
  exactly: '{ exactly: { value: count, ... } }',
  pick: '{ pick: [a, b, ...] } (optionally with weights: [..])',
  int: '{ int: [min, max] }',
  uuid: '{ uuid: true }',
  literal: '{ literal: value }',
} as const;

/**
 * `isGeneratorShape` tells whether an object field spec is a generator (`exactly`, `pick`, `int`,
 * `uuid`, `literal`, plus `weights`) rather than a nested object: its first key is a generator key
 * and every key is one (or `weights`).
 */
export function isGeneratorShape(spec: object): boolean {
  const keys = Object.keys(spec);
  return keys.length >= 1 && Object.hasOwn(GENERATOR_FORMS, keys[0]!) && keys.every((k) => Object.hasOwn(GENERATOR_FORMS, k) || k === 'weights');
}

/**
 * `PayloadsSchema`: the fields of each payload and, for models that run a fixed set (`batches`), how
 * many. Open-ended models (`rate`, `vus`) number their lifecycles and build payload *n* on demand.
 */
export const PayloadsSchema = z.strictObject({
  count: PayloadCount.min(1).optional(),
  fields: z.record(z.string(), FieldSpecSchema).default({}),
  /** Field used as the lifecycle's human key in reports and events (default: `#index`). */
  key: z.string().optional(),
});
export type PayloadsSpec = z.output<typeof PayloadsSchema>;
