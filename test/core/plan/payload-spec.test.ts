import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../../lib/core/plan/plan-loader.ts';
import { isGeneratorShape } from '../../../lib/core/plan/payload-spec.ts';
import { PlanValidationError } from '../../../lib/core/plan/source.ts';
import { PayloadSource } from '../../../lib/core/payloads.ts';

/** A minimal custom plan whose payloads have one field `f` written as `spec` (YAML flow text). */
const planWithField = (spec: string): string => `kind: custom
name: x
target: { baseUrl: "http://127.0.0.1:8080" }
payloads:
  count: 3
  fields:
    f: ${spec}
requests: { a: { path: / } }
lifecycle: [ { request: a } ]
load: { model: batches, batchSize: 5, parallel: 2 }
`;

/** The issues of loading a plan, as `line:col path message`. */
function issues(text: string): string[] {
  try {
    loadPlan(text, 'p.yaml', {});
  } catch (error) {
    if (error instanceof PlanValidationError) return error.issues.map((i) => `${i.line}:${i.col} ${i.path} ${i.message}`);
    throw error;
  }
  return [];
}

describe('Const: FieldSpecSchema', () => {
  it.each([
    { spec: '{ uuid: false }', want: '7:8 payloads.fields.f invalid uuid generator: write it as { uuid: true }' },
    { spec: '{ pick: red }', want: '7:8 payloads.fields.f invalid pick generator: write it as { pick: [a, b, ...] } (optionally with weights: [..])' },
    { spec: '{ int: "1-5" }', want: '7:8 payloads.fields.f invalid int generator: write it as { int: [min, max] }' },
    { spec: '{ exactly: 3 }', want: '7:8 payloads.fields.f invalid exactly generator: write it as { exactly: { value: count, ... } }' },
    { spec: '{ int: [5, 1] }', want: '7:15 payloads.fields.f.int int range must be [min, max] with min <= max' },
    { spec: '{ pick: [a, b], weights: [1] }', want: '7:33 payloads.fields.f.weights give one weight per pick value: 2 values, 1 weights' },
    { spec: '{ pick: [a, b], weights: [0, 0] }', want: '7:33 payloads.fields.f.weights at least one weight must be above 0' },
    { spec: '{ meta: { t: { exactly: { a: 1 } } } }', want: '7:32 payloads.fields.f.meta.t.exactly exact counts add up to 1 but payloads.count is 3' },
  ])('rejects the mistyped generator $spec before anything runs', ({ spec, want }) => {
    expect(issues(planWithField(spec))).toEqual([want]);
  });

  it.each<{ spec: string; want: unknown }>([
    { spec: '{ literal: 1, extra: 2 }', want: { literal: 1, extra: 2 } },
    { spec: '{ toString: x, uuid: true }', want: { toString: 'x', uuid: true } },
    { spec: '{ a: { int: [2, 2] }, b: { pick: [z] } }', want: { a: 2, b: 'z' } },
    { spec: '{ t: { exactly: { only: 3 } } }', want: { t: 'only' } },
  ])('builds $spec as a nested object', ({ spec, want }) => {
    // Act
    const { plan } = loadPlan(planWithField(spec), 'p.yaml', {});

    // Assess
    expect(new PayloadSource(plan.payloads, 1).get(2)['f']).toEqual(want);
  });
});

describe('Function: isGeneratorShape', () => {
  it.each<{ spec: object; want: boolean }>([
    { spec: { uuid: true }, want: true },
    { spec: { pick: [1], weights: [1] }, want: true },
    { spec: { weights: [1], pick: [1] }, want: false },
    { spec: { literal: 1, extra: 2 }, want: false },
    { spec: { toString: 'x' }, want: false },
    { spec: {}, want: false },
  ])('returns $want for $spec', ({ spec, want }) => {
    expect(isGeneratorShape(spec)).toBe(want);
  });
});
