// Shared fixtures for the infra tests: a stack built from cdk.json's context (so the tests check what
// `cdk synth` ships, feature flags included), without bundling, plus helpers to read the ASL back.
import { App, CfnElement } from 'aws-cdk-lib';
import { Capture, Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { parseFleetConfig } from '../../lib/infra/config.ts';
import type { FleetConfig } from '../../lib/infra/config.ts';
import { REPO_ROOT } from '../../lib/infra/functions.ts';
import { LoadfleetStack } from '../../lib/infra/stack.ts';

/** cdk.json's `context` block. */
export const CDK_CONTEXT = JSON.parse(readFileSync(`${REPO_ROOT}cdk.json`, 'utf8')).context as Record<string, unknown>;

/** A schedule used where a test needs one. */
export const NIGHTLY = {
  name: 'nightly',
  expression: 'cron(0 2 * * ? *)',
  timezone: 'Europe/Paris',
  planKey: 'plans/nightly.json',
};

export interface Built {
  readonly app: App;
  readonly stack: LoadfleetStack;
  readonly config: FleetConfig;
  readonly template: Template;
}

/** Builds the stack with cdk.json's defaults overlaid by `overrides`; bundling is skipped; `template` is lazy. */
export function build(overrides: Record<string, unknown> = {}, opts: { skipNagAcknowledgements?: boolean } = {}): Built {
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const config = parseFleetConfig({ ...(CDK_CONTEXT['loadfleet'] as object), ...overrides });
  const stack = new LoadfleetStack(app, 'Loadfleet', { config, ...opts });
  // Lazy: Template.fromStack synthesizes the app, and an app synthesizes once (validation plugins added
  // afterwards would never run), so tests that call app.synth() themselves must not touch it first.
  let template: Template | undefined;
  return {
    app,
    stack,
    config,
    get template() {
      template ??= Template.fromStack(stack);
      return template;
    },
  };
}

/** Logical id of a construct's CloudFormation resource (or of the resource itself). */
export function logicalId(built: Built, construct: { node: { defaultChild?: unknown } } | CfnElement): string {
  const el = construct instanceof CfnElement ? construct : (construct.node.defaultChild as CfnElement);
  return built.stack.getLogicalId(el);
}

/** The fake ARN the ASL renderer gives a resource: `arn:aws:lambda:eu-west-1:123456789012:function:<id>`. */
export const fakeArn = (id: string): string => `arn:aws:lambda:eu-west-1:123456789012:function:${id}`;

/** Renders an `Fn::Join` DefinitionString to ASL, replacing `Fn::GetAtt [X, Arn]` by {@link fakeArn}. */
export function renderDefinition(definition: unknown): AslDefinition {
  const render = (node: unknown): string => {
    if (typeof node === 'string') return node;
    const obj = node as Record<string, unknown>;
    if (obj['Fn::Join'] !== undefined) {
      const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
    if (obj['Fn::GetAtt'] !== undefined) return fakeArn((obj['Fn::GetAtt'] as string[])[0]!);
    if (obj['Ref'] !== undefined) return `<${String(obj['Ref'])}>`;
    throw new Error(`unexpected intrinsic in DefinitionString: ${JSON.stringify(node)}`);
  };
  return JSON.parse(render(definition)) as AslDefinition;
}

/** The slice of ASL the tests read. */
export interface AslState {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Retry?: { ErrorEquals: string[]; IntervalSeconds?: number; MaxAttempts?: number; BackoffRate?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Choices?: { Variable: string; BooleanEquals?: boolean; StringEquals?: string; Next: string }[];
  Default?: string;
  TimestampPath?: string;
  SecondsPath?: string;
  Error?: string;
  Cause?: string;
  CausePath?: string;
  Parameters?: unknown;
  ResultPath?: unknown;
  OutputPath?: unknown;
  InputPath?: unknown;
}
export interface AslDefinition {
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, AslState>;
}

/** The stack's state machine definition, rendered. */
export function stateMachineDefinition(built: Built): AslDefinition {
  const definition = new Capture();
  built.template.hasResourceProperties('AWS::StepFunctions::StateMachine', { DefinitionString: definition });
  return renderDefinition(definition.asObject());
}
