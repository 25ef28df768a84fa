import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../../lib/core/plan/plan-loader.ts';
import { PlanValidationError } from '../../../lib/core/plan/source.ts';

const SENTINEL = 'SENTINEL-7f3a9c2e';
/** Longer than the 40 characters a quoted value is cut at: a cut secret would escape a mask. */
const LONG = `${SENTINEL}-${'x'.repeat(40)}`;

const plan = (target: string, extra = ''): string => `kind: custom
name: secrets
target: { baseUrl: "http://127.0.0.1:8080", ${target} }
payloads: { count: 1 }
requests:
  create: { method: POST, path: /orders }
lifecycle: [ { request: create } ]
load: { model: batches, batchSize: 1, parallel: 1 }
${extra}`;

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PlanValidationError);
    return (error as PlanValidationError).message;
  }
  throw new Error('expected a PlanValidationError');
}

describe('Function: loadPlan, values from the environment', () => {
  it('never quotes a value from the environment in a validation message', () => {
    // Prepare: the sentinel in fields that fail validation: a duration (a custom message quotes the
    // value given), a number (quoted from the plan as written) and the kind
    const text = plan('timeout: "${env:T}", maxConnections: "${env:T}"').replace('kind: custom', 'kind: "${env:K}"');

    // Act
    const kindMessage = messageOf(() => loadPlan(text, 'plan.yaml', { T: SENTINEL, K: SENTINEL }));
    const message = messageOf(() => loadPlan(text.replace('kind: "${env:K}"', 'kind: custom'), 'plan.yaml', { T: SENTINEL }));

    // Assess
    expect(kindMessage).toBe('plan.yaml:1:7  kind  unknown kind "***"; use custom or one of: day-in-life, purchaser, phased, flash-sale, webhooks');
    expect(message).toBe(
      'plan.yaml:3:54  target.timeout  invalid duration "***": use a number with ms, s, m or h, e.g. "500ms", "2s", "5m"\n' +
        'plan.yaml:3:82  target.maxConnections  expected number, got string "${env:T}"',
    );
  });

  it('masks a long secret whole, however the message would cut it', () => {
    // Act
    const message = messageOf(() => loadPlan(plan('timeout: "${env:T}"'), 'plan.yaml', { T: LONG }));

    // Assess
    expect(message).toBe('plan.yaml:3:54  target.timeout  invalid duration "***": use a number with ms, s, m or h, e.g. "500ms", "2s", "5m"');
  });

  it('masks secrets in warnings and warns about values too short to mask', () => {
    // Prepare: a phase named by a secret gets the phases warning; PIN has 3 characters
    const text = `kind: custom
name: secrets
target: { baseUrl: "http://127.0.0.1:8080", headers: { x-pin: "\${env:PIN}" } }
requests:
  browse: { path: /products }
tasks:
  shop: [ { request: browse } ]
load: { model: phases, phases: [ { name: "\${env:PHASE}", duration: 1s, users: 1 } ] }
`;

    // Act
    const loaded = loadPlan(text, 'plan.yaml', { PIN: '123', PHASE: SENTINEL });

    // Assess
    expect(loaded.warnings).toEqual([
      '${env:PIN} has fewer than 4 characters, too few to mask: it is shown as is in output',
      'phase "***" has no task weights: every task (shop) runs with weight 1',
    ]);
    expect(loaded.redactor.text(`x ${SENTINEL} 123`)).toBe('x *** 123');
  });
});
