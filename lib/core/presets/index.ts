import type { z } from 'zod';
import type { PlanInput } from '../plan/schema.ts';
import { DayInLifeSchema, compileDayInLife } from './day-in-life.ts';
import { FlashSaleSchema, compileFlashSale } from './flash-sale.ts';
import { PhasedSchema, compilePhased } from './phased.ts';
import { PurchaserSchema, compilePurchaser } from './purchaser.ts';
import { WebhooksSchema, compileWebhooks } from './webhooks.ts';

/**
 * `Preset` accepts a workload's own configuration shape and compiles it into the general plan.
 * Presets add no engine code paths: anything a preset needs, the general plan can say too.
 */
export interface Preset<S extends z.ZodType = z.ZodType> {
  readonly kind: string;
  readonly description: string;
  readonly schema: S;
  compile(config: z.output<S>): PlanInput;
}

function preset<S extends z.ZodType>(p: Preset<S>): Preset {
  return p as unknown as Preset;
}

/** Every preset, by `kind`. */
export const PRESETS: ReadonlyMap<string, Preset> = new Map([
  ['day-in-life', preset({ kind: 'day-in-life', description: 'orders in homogeneous batches: create, poll, activate, cleanup (seed 002)', schema: DayInLifeSchema, compile: compileDayInLife })],
  ['purchaser', preset({ kind: 'purchaser', description: 'store purchases at an open arrival rate split across purchasers (seed 000)', schema: PurchaserSchema, compile: compilePurchaser })],
  ['phased', preset({ kind: 'phased', description: 'baseline then intervention phases of ON/OFF shop users with gamma think times and weighted tasks (seed 004)', schema: PhasedSchema, compile: compilePhased })],
  ['flash-sale', preset({ kind: 'flash-sale', description: 'one synchronized burst of buyers claiming a coupon with limited stock (seed 003)', schema: FlashSaleSchema, compile: compileFlashSale })],
  ['webhooks', preset({ kind: 'webhooks', description: 'payment webhooks from closed virtual users: valid order transitions, disputes on successes (seed 001)', schema: WebhooksSchema, compile: compileWebhooks })],
]);
