import * as z from 'zod';
import { ERROR_KINDS } from '../errors.ts';
import { NON_TERMINAL_LIST_CAP } from './types.ts';
import type { UnitResult } from './types.ts';

const Count = z.number().int().nonnegative();
const EpochMs = z.number().nonnegative().finite();

/**
 * Every HdrHistogram V2 compressed encoding starts with the same cookie bytes, whose base64 is `HISTF`.
 * Checking it catches a wrong field cheaply; fully decoding is left to the merge.
 */
const HISTOGRAM_PREFIX = 'HISTF';
const HistogramSchema = z
  .base64()
  .refine((text) => text.startsWith(HISTOGRAM_PREFIX), 'not an HDR histogram (expected compressed base64 starting with "HISTF")');

const EndpointResultSchema = z.strictObject({
  attempts: Count,
  ok: Count,
  retries: Count,
  errors: z.partialRecord(z.enum(ERROR_KINDS), Count),
  statusCodes: z.record(z.string().regex(/^\d{3}$/, 'an HTTP status code such as "202"'), Count),
  histogram: HistogramSchema,
});

const NonTerminalEntrySchema = z.strictObject({
  index: Count,
  key: z.string(),
  state: z.string(),
  reason: z.string(),
});

/**
 * `UnitResultSchema` validates a `UnitResult` that arrived from elsewhere (a store, a queue message, a
 * file) before it is merged. It checks shapes and the invariants a merge relies on (counts are
 * non-negative integers, histograms look like HDR encodings, the non-terminal list respects its cap).
 *
 * @example
 * const result = UnitResultSchema.parse(JSON.parse(body));
 */
export const UnitResultSchema: z.ZodType<UnitResult> = z
  .strictObject({
    version: z.literal(1),
    startedAt: EpochMs,
    endedAt: EpochMs,
    endpoints: z.record(z.string().min(1), EndpointResultSchema),
    lifecycles: z.strictObject({
      completed: Count,
      failed: Count,
      dropped: Count,
      reasons: z.record(z.string(), Count),
    }),
    transitions: z.record(z.string().regex(/^.+->.+$/, 'a transition key such as "start->created"'), Count),
    nonTerminal: z.array(NonTerminalEntrySchema).max(NON_TERMINAL_LIST_CAP),
    nonTerminalCount: Count,
    batches: z.strictObject({ count: Count, histogram: HistogramSchema }),
    starts: z.strictObject({ count: Count, firstAt: z.number(), lastAt: z.number() }).optional(),
    phases: z.record(z.string().min(1), z.strictObject({ tasks: z.record(z.string(), Count), endpoints: z.record(z.string().min(1), EndpointResultSchema) })).optional(),
  })
  .superRefine((result, ctx) => {
    if (result.endedAt < result.startedAt) {
      ctx.addIssue({ code: 'custom', path: ['endedAt'], message: 'endedAt is before startedAt' });
    }
    if (result.nonTerminalCount < result.nonTerminal.length) {
      ctx.addIssue({ code: 'custom', path: ['nonTerminalCount'], message: 'nonTerminalCount is smaller than the nonTerminal list' });
    }
    for (const [name, endpoint] of Object.entries(result.endpoints)) {
      const errors = Object.values(endpoint.errors).reduce((sum, n) => sum + n, 0);
      if (endpoint.ok + errors !== endpoint.attempts) {
        ctx.addIssue({ code: 'custom', path: ['endpoints', name, 'attempts'], message: `attempts (${endpoint.attempts}) is not ok (${endpoint.ok}) + errors (${errors})` });
      }
      if (endpoint.retries > endpoint.attempts) {
        ctx.addIssue({ code: 'custom', path: ['endpoints', name, 'retries'], message: 'retries is larger than attempts' });
      }
    }
  });
