import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { runStateMachine, type AslDefinition } from '../helpers/offline-cloud/index.ts';

const waitThenSucceed = (wait: Record<string, unknown>, extra: Partial<AslDefinition> = {}): AslDefinition => ({
  StartAt: 'Hold', ...extra,
  States: { Hold: { Type: 'Wait', Next: 'Done', ...wait }, Done: { Type: 'Succeed' } },
});

describe('Function: runStateMachine (hand-written ASL)', () => {
  describe('HAPPY PATH', () => {
    it('scales static Seconds waits through the waitScale function', async () => {
      // Prepare
      const calls: Array<[string, number]> = [];
      const started = Date.now();

      // Act
      const run = await runStateMachine({
        definition: waitThenSucceed({ Seconds: 600 }), input: { a: 1 }, handlers: {},
        waitScale: (state, seconds) => { calls.push([state, seconds]); return 30; },
      });

      // Assess
      expect(run).toMatchObject({ status: 'SUCCEEDED', output: { a: 1 }, visited: ['Hold', 'Done'] });
      expect(calls).toEqual([['Hold', 600]]);
      expect(Date.now() - started).toBeLessThan(5000); // unscaled: 600 s
    });

    it('waits for real until a TimestampPath instant', async () => {
      // Prepare
      const started = Date.now();
      const at = new Date(started + 300).toISOString();

      // Act
      const run = await runStateMachine({ definition: waitThenSucceed({ TimestampPath: '$.at' }), input: { at }, handlers: {} });

      // Assess
      expect(run.status).toBe('SUCCEEDED');
      expect(Date.now()).toBeGreaterThanOrEqual(started + 290);
    });

    it('ends a wait on an instant already past at once, and honours a static Timestamp', async () => {
      // Prepare
      const started = Date.now();
      const past = new Date(started - 60_000).toISOString();

      // Act
      const late = await runStateMachine({ definition: waitThenSucceed({ TimestampPath: '$.at' }), input: { at: past }, handlers: {} });
      const fixed = await runStateMachine({ definition: waitThenSucceed({ Timestamp: new Date(Date.now() + 100).toISOString() }), input: {}, handlers: {} });

      // Assess
      expect([late.status, fixed.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('keeps Wait semantics (InputPath, SecondsPath, OutputPath) for scaled waits inside a Map', async () => {
      // Prepare
      const definition: AslDefinition = {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map', ItemsPath: '$.items', End: true,
            ItemProcessor: {
              StartAt: 'Nap',
              States: { Nap: { Type: 'Wait', InputPath: '$.inner', SecondsPath: '$.s', OutputPath: '$.v', End: true } },
            },
          },
        },
      };
      const input = { items: [{ inner: { s: 0, v: 'a' } }, { inner: { s: 2, v: 'b' } }] };
      const reference = await new StateMachine(definition as StateMachineDefinition).run(
        { items: input.items.map((i) => ({ inner: { ...i.inner, s: 0 } })) },
      ).result;

      // Act
      const run = await runStateMachine({ definition, input, handlers: {}, waitScale: 0.01 });

      // Assess
      expect(run.output).toEqual(['a', 'b']);
      expect(run.output).toEqual(reference);
      expect(run.visited).toEqual(['Each', 'Nap', 'Nap']);
    });

    it('hands a non-Lambda Task (keyed by state name) its raw input and returns its raw result', async () => {
      // Prepare
      const definition: AslDefinition = {
        StartAt: 'Send',
        States: { Send: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Parameters: { 'MessageBody.$': '$.body', QueueUrl: 'q' }, ResultPath: '$.sent', End: true } },
      };
      const seen: unknown[] = [];

      // Act
      const run = await runStateMachine({ definition, input: { body: 'hi' }, handlers: { Send: (input) => { seen.push(input); return { MessageId: 'm-1' }; } } });

      // Assess
      expect(seen).toEqual([{ MessageBody: 'hi', QueueUrl: 'q' }]);
      expect(run.output).toEqual({ body: 'hi', sent: { MessageId: 'm-1' } });
    });
  });

  describe('UNHAPPY PATH', () => {
    it('fails with States.Runtime when a SecondsPath value is not a non-negative integer', async () => {
      // Act
      const run = await runStateMachine({ definition: waitThenSucceed({ SecondsPath: '$.s' }), input: { s: -1 }, handlers: {} });

      // Assess
      expect(run).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
      expect(run.cause).toMatch(/not a non-negative integer/);
    });

    it('ends TIMED_OUT when the machine TimeoutSeconds elapses', async () => {
      // Act
      const run = await runStateMachine({ definition: waitThenSucceed({ Seconds: 3600 }, { TimeoutSeconds: 1 }), input: {}, handlers: {} });

      // Assess
      expect(run).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout', visited: ['Hold'] });
    });
  });
});
