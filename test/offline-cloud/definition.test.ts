import { describe, expect, it } from 'vitest';
import {
  functionLogicalIds, handlersByLogicalIdPrefix, lambdaArn, localHandlersFor, stateMachineFromTemplate,
  type AslDefinition,
} from '../helpers/offline-cloud/index.ts';

const fn = (handler = 'index.handler', env: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Handler: handler, Runtime: 'nodejs22.x', Timeout: 30, Environment: { Variables: env } },
});

const nested: AslDefinition = {
  StartAt: 'Fan',
  States: {
    Fan: {
      Type: 'Parallel', Next: 'Each',
      Branches: [{ StartAt: 'Left', States: { Left: { Type: 'Task', Resource: 'LEFT_ARN', End: true } } }],
    },
    Each: {
      Type: 'Map', ItemsPath: '$.items', End: true,
      ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } } },
    },
  },
};

function templateWith(definitionString: unknown, extra: Record<string, unknown> = {}): object {
  return {
    Resources: {
      PlanFn390EB6B3: fn('plan.handler', { TABLE: { Ref: 'RunsTable1A2B' }, REGION: { Ref: 'AWS::Region' } }),
      ProgressFn6B9D101A: fn('progress.handler'),
      RunsTable1A2B: { Type: 'AWS::DynamoDB::Table', Properties: {} },
      SM: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: definitionString, ...extra } },
    },
  };
}

describe('Function: stateMachineFromTemplate', () => {
  describe('HAPPY PATH', () => {
    it('resolves a Fn::Join definition: GetAtt Arn to a fake Lambda ARN, pseudo parameters, overrides', () => {
      // Prepare
      const template = templateWith({
        'Fn::Join': ['', [
          '{"StartAt":"Plan","States":{"Plan":{"Type":"Task","Resource":"', { 'Fn::GetAtt': ['PlanFn390EB6B3', 'Arn'] },
          '","Next":"Progress"},"Progress":{"Type":"Task","Resource":"arn:', { Ref: 'AWS::Partition' },
          ':states:::lambda:invoke","Parameters":{"FunctionName":"', { 'Fn::GetAtt': ['ProgressFn6B9D101A', 'Arn'] },
          '","Payload.$":"$","Table":"', { 'Fn::GetAtt': ['RunsTable1A2B', 'Arn'] }, '","Note":"', { Ref: 'Quoted' },
          '"},"End":true}}}',
        ]],
      });

      // Act
      const { definition, taskResources, logicalId } = stateMachineFromTemplate(template, { values: { Quoted: 'say "hi"' } });

      // Assess
      expect(logicalId).toBe('SM');
      expect(definition.States.Plan?.Resource).toBe('arn:aws:lambda:us-east-1:000000000000:function:PlanFn390EB6B3');
      expect(definition.States.Progress?.Parameters).toEqual({
        FunctionName: lambdaArn('ProgressFn6B9D101A'), 'Payload.$': '$',
        Table: 'arn:aws:dynamodb:us-east-1:000000000000:table/RunsTable1A2B', Note: 'say "hi"',
      });
      expect(taskResources).toEqual({
        Plan: { arn: lambdaArn('PlanFn390EB6B3'), logicalId: 'PlanFn390EB6B3', integration: 'lambda', resource: lambdaArn('PlanFn390EB6B3') },
        Progress: { arn: lambdaArn('ProgressFn6B9D101A'), logicalId: 'ProgressFn6B9D101A', integration: 'lambda:invoke', resource: 'arn:aws:states:::lambda:invoke' },
      });
    });

    it('resolves Fn::Sub (resource attributes, pseudo parameters, ${!literal}) and DefinitionSubstitutions', () => {
      // Prepare
      const template = templateWith(
        { 'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"fn":"${PlanFn390EB6B3.Arn}","r":"${AWS::Region}","lit":"${!Keep}","sub":"${!Bucket}"},"End":true}}}' },
        { DefinitionSubstitutions: { Bucket: { Ref: 'RunsTable1A2B' } } },
      );

      // Act
      const { definition } = stateMachineFromTemplate(template);

      // Assess
      expect(definition.States.A?.Result).toEqual({ fn: lambdaArn('PlanFn390EB6B3'), r: 'us-east-1', lit: '${Keep}', sub: 'RunsTable1A2B' });
    });

    it('finds Task states inside Parallel branches and Map processors', () => {
      // Act
      const { taskResources } = stateMachineFromTemplate({ Resources: { SM: { Type: 'AWS::StepFunctions::StateMachine', Properties: { Definition: nested } } } });

      // Assess
      expect(Object.keys(taskResources).sort()).toEqual(['Item', 'Left']);
      expect(taskResources.Item?.integration).toBe('other');
    });
  });

  describe('UNHAPPY PATH', () => {
    it('asks which machine when the template holds several, and rejects an unknown one', () => {
      // Prepare
      const machine = { Type: 'AWS::StepFunctions::StateMachine', Properties: { Definition: nested } };
      const template = { Resources: { A: machine, B: machine } };

      // Act & Assess
      expect(() => stateMachineFromTemplate(template)).toThrow(/found 2/);
      expect(stateMachineFromTemplate(template, { stateMachineLogicalId: 'B' }).logicalId).toBe('B');
      expect(() => stateMachineFromTemplate(template, { stateMachineLogicalId: 'C' })).toThrow(/no state machine C/);
    });
  });
});

describe('Function: functionLogicalIds and handler routing', () => {
  describe('HAPPY PATH', () => {
    it('describes each function without its asset and routes handlers by logical-id prefix or state', () => {
      // Prepare
      const template = templateWith({ 'Fn::Join': ['', ['{"StartAt":"P","States":{"P":{"Type":"Task","Resource":"', { 'Fn::GetAtt': ['PlanFn390EB6B3', 'Arn'] }, '","End":true}}}']] });
      const plan = async (): Promise<unknown> => ({});

      // Act
      const functions = functionLogicalIds(template);
      const byPrefix = handlersByLogicalIdPrefix(functions, { PlanFn: plan });
      const byState = localHandlersFor(stateMachineFromTemplate(template).taskResources, { P: plan });

      // Assess
      expect(functions.PlanFn390EB6B3).toEqual({
        arn: lambdaArn('PlanFn390EB6B3'), handler: 'plan.handler', runtime: 'nodejs22.x', timeoutSeconds: 30,
        environment: { TABLE: 'RunsTable1A2B', REGION: 'us-east-1' },
      });
      expect(byPrefix).toEqual({ [lambdaArn('PlanFn390EB6B3')]: plan });
      expect(byState).toEqual(byPrefix);
    });
  });

  describe('UNHAPPY PATH', () => {
    it('rejects an ambiguous or unknown prefix, an unknown state, and conflicting handlers for one function', () => {
      // Prepare
      const functions = functionLogicalIds(templateWith('{}'));
      const tasks = { A: { arn: 'x', logicalId: 'x', integration: 'lambda' as const, resource: 'x' }, B: { arn: 'x', logicalId: 'x', integration: 'lambda' as const, resource: 'x' } };

      // Act & Assess
      expect(() => handlersByLogicalIdPrefix(functions, { P: () => 1 })).toThrow(/matches 2 functions/);
      expect(() => handlersByLogicalIdPrefix(functions, { Nope: () => 1 })).toThrow(/matches 0 functions/);
      expect(() => localHandlersFor(tasks, { C: () => 1 })).toThrow(/no Task state named C/);
      expect(() => localHandlersFor(tasks, { A: () => 1, B: () => 2 })).toThrow(/different handlers/);
    });
  });
});
