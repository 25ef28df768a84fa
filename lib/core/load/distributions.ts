import { randomGamma } from 'd3-random';
import * as z from 'zod';
import type { Rng } from '../rng.ts';

/**
 * `GammaSchema`: a gamma distribution given by its mean and coefficient of variation (cv = sd / mean),
 * the way the phased seed specifies think times, ON/OFF durations and session lengths. cv 0 means the
 * mean, every time.
 */
export const GammaSchema = z.strictObject({ mean: z.number().min(0), cv: z.number().min(0).max(10).default(0.5) });
export type Gamma = z.output<typeof GammaSchema>;

/** Draws from a gamma distribution; sampling is d3-random's, the randomness the lifecycle's seeded `Rng`. */
export type Sampler = () => number;

/**
 * Builds a sampler for gamma(mean, cv) over `rng`: shape k = 1 / cv^2 and scale = mean * cv^2, so the
 * draws have exactly the asked mean and coefficient of variation.
 */
export function gammaSampler(dist: Gamma, rng: Rng): Sampler {
  if (dist.mean === 0) return () => 0;
  if (dist.cv === 0) return () => dist.mean;
  const shape = 1 / (dist.cv * dist.cv);
  const scale = dist.mean * dist.cv * dist.cv;
  return randomGamma.source(() => rng.float())(shape, scale);
}
