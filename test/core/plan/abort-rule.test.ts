import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ABORT_ON_ERROR_RATE } from '../../../lib/core/plan/abort-rule.ts';
import { loadPlan } from '../../../lib/core/plan/plan-loader.ts';
import { PlanValidationError } from '../../../lib/core/plan/source.ts';

/** A minimal general plan with `limits` given as YAML lines (indented under `limits:`), or none. */
function custom(limits?: string): string {
  return [
    'kind: custom', 'name: t', 'target: { baseUrl: "http://127.0.0.1:8080" }', 'requests: { a: { path: / } }',
    'lifecycle: [{ request: a }]', 'load: { model: vus, vus: 1, duration: 1s }', ...(limits ? ['limits:', limits] : []),
  ].join('\n');
}

function issuesOf(text: string): string[] {
  try {
    loadPlan(text, 'plan.yaml', {});
  } catch (error) {
    if (error instanceof PlanValidationError) return error.issues.map((i) => `${i.line}:${i.col} ${i.path} ${i.message}`);
    throw error;
  }
  return [];
}

describe('limits.abortOnErrorRate', () => {
  it('is on by default: more than 50% of the attempts of the last 10 s failed, with at least 20 of them', () => {
    expect(loadPlan(custom(), 'plan.yaml', {}).plan.limits.abortOnErrorRate).toEqual({ above: 0.5, window: 10_000, minRequests: 20 });
    expect(DEFAULT_ABORT_ON_ERROR_RATE).toEqual({ above: 0.5, window: 10_000, minRequests: 20 });
  });

  it('takes a percentage and a duration, fills what is left out, and false turns it off', () => {
    expect(loadPlan(custom('  abortOnErrorRate: { above: 20%, window: 30s }'), 'plan.yaml', {}).plan.limits.abortOnErrorRate).toEqual({ above: 0.2, window: 30_000, minRequests: 20 });
    expect(loadPlan(custom('  abortOnErrorRate: false'), 'plan.yaml', {}).plan.limits.abortOnErrorRate).toBe(false);
  });

  it('refuses a threshold that can never be passed, a window out of range and unknown keys, with their positions', () => {
    const issues = issuesOf(custom('  abortOnErrorRate: { above: 100%, window: 100ms, minRequest: 5 }'));
    expect(issues.join('\n')).toMatch(/^8:\d+ limits\.abortOnErrorRate\.above above must be below 100%/m);
    expect(issues.join('\n')).toMatch(/^8:\d+ limits\.abortOnErrorRate\.window window must be between 1s and 1h/m);
    expect(issues.join('\n')).toMatch(/minRequest/);
  });

  it('is a top-level key of every preset, passed on into the compiled plan', () => {
    const presets = readdirSync(join(import.meta.dirname, '../../../examples')).filter((f) => f.endsWith('.yaml'));
    expect(presets.length).toBeGreaterThanOrEqual(5);
    for (const file of presets) {
      const text = readFileSync(join(import.meta.dirname, '../../../examples', file), 'utf8');
      const { plan, kind } = loadPlan(text, file, {});
      // Every example runs with the default rule...
      expect(plan.limits.abortOnErrorRate, file).toEqual(DEFAULT_ABORT_ON_ERROR_RATE);
      // ... and can turn it off: presets at their top level, the general plan under limits
      const off = kind === 'custom' ? text.replace(/^limits:\n/m, 'limits:\n  abortOnErrorRate: false\n') : `${text}\nabortOnErrorRate: false\n`;
      expect(loadPlan(off, file, {}).plan.limits.abortOnErrorRate, file).toBe(false);
    }
  });
});
