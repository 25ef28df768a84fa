import { z } from 'zod';

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
  z.strictObject({ exactly: z.record(z.string(), z.int().min(0)) }),
  z.strictObject({ pick: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1), weights: z.array(z.number().min(0)).optional() }),
  z.strictObject({ int: z.tuple([z.int(), z.int()]) }),
  z.strictObject({ uuid: z.literal(true) }),
  z.strictObject({ literal: z.unknown() }),
  z.record(z.string(), z.lazy((): z.ZodType => FieldSpecSchema)),
]);
export type FieldSpec = z.output<typeof FieldSpecSchema>;

/** `PayloadsSchema`: how many lifecycles, and the fields of each payload. */
export const PayloadsSchema = z.strictObject({
  count: z.int().min(1),
  fields: z.record(z.string(), FieldSpecSchema).default({}),
  /** Field used as the lifecycle's human key in reports and events (default: `#index`). */
  key: z.string().optional(),
});
export type PayloadsSpec = z.output<typeof PayloadsSchema>;
