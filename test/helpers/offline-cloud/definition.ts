// Turns a synthesized CloudFormation template into a runnable Amazon States Language definition:
// intrinsic functions are resolved to fake-but-stable values (region us-east-1, account 000000000000,
// a function's name is its logical id), and Task states are mapped to the Lambda they call.
import type { Context } from 'aws-lambda';

/** Region every resolved ARN lives in. */
export const OFFLINE_REGION = 'us-east-1';
/** Account every resolved ARN lives in. */
export const OFFLINE_ACCOUNT = '000000000000';

/** One state of an ASL definition (loosely typed: the harness only reads a few fields). */
export type AslState = { Type: string; [field: string]: unknown };
/** An Amazon States Language definition (top level, or a Parallel branch / Map processor). */
export interface AslDefinition { StartAt: string; States: Record<string, AslState>; [field: string]: unknown }

/** How a Task state reaches its resource. */
export type TaskIntegration = 'lambda' | 'lambda:invoke' | 'other';

/** What a Task state calls. */
export interface TaskResource {
  /** The Lambda function ARN (`Parameters.FunctionName` for `lambda:invoke`), else the raw `Resource`. */
  arn: string;
  /** The function's logical id when `arn` is `arn:aws:lambda:...:function:<logicalId>`. */
  logicalId: string | undefined;
  /** `lambda` = `Resource` is the function (payloadResponseOnly); `lambda:invoke` = optimised integration. */
  integration: TaskIntegration;
  /** The state's `Resource` field as written. */
  resource: string;
}

/** A state machine lifted out of a template. */
export interface ExtractedStateMachine {
  /** The state machine's logical id in the template. */
  logicalId: string;
  /** The resolved definition, ready for `runStateMachine`. */
  definition: AslDefinition;
  /** Every Task state (nested Parallel/Map included), by state name. */
  taskResources: Record<string, TaskResource>;
}

/** An `AWS::Lambda::Function` of the template, described without its code asset. */
export interface LambdaFunctionInfo {
  arn: string;
  handler: string | undefined;
  runtime: string | undefined;
  timeoutSeconds: number | undefined;
  /** `Environment.Variables`, intrinsics resolved. */
  environment: Record<string, string>;
}

/** A local stand-in for a Task's resource: gets the Lambda payload, returns the Lambda result. */
export type LocalTaskHandler = (input: unknown, context: Context) => unknown;

/** Options for resolving intrinsics. */
export interface ResolveOptions {
  /** Logical id of the state machine, when the template holds more than one. */
  stateMachineLogicalId?: string;
  /** Overrides: `LogicalId` for a `Ref`, `LogicalId.Attr` for a `Fn::GetAtt` (e.g. a fauxqs queue URL). */
  values?: Record<string, string>;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws', 'AWS::Region': OFFLINE_REGION, 'AWS::AccountId': OFFLINE_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com', 'AWS::StackName': 'OfflineStack', 'AWS::StackId': 'OfflineStack',
};

/** The fake ARN of the Lambda function with this logical id. */
export function lambdaArn(logicalId: string): string {
  return `arn:aws:lambda:${OFFLINE_REGION}:${OFFLINE_ACCOUNT}:function:${logicalId}`;
}

function arnFor(type: string | undefined, id: string): string {
  const head = (service: string): string => `arn:aws:${service}:${OFFLINE_REGION}:${OFFLINE_ACCOUNT}`;
  switch (type) {
    case 'AWS::SQS::Queue': return `${head('sqs')}:${id}`;
    case 'AWS::SNS::Topic': return `${head('sns')}:${id}`;
    case 'AWS::DynamoDB::Table': return `${head('dynamodb')}:table/${id}`;
    case 'AWS::StepFunctions::StateMachine': return `${head('states')}:stateMachine:${id}`;
    case 'AWS::IAM::Role': return `arn:aws:iam::${OFFLINE_ACCOUNT}:role/${id}`;
    case 'AWS::S3::Bucket': return `arn:aws:s3:::${id}`;
    default: return lambdaArn(id);
  }
}

function resources(template: object): Resources {
  return ((template as { Resources?: Resources }).Resources ?? {});
}

/**
 * Resolves CloudFormation intrinsics (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`) in any
 * value. `jsonEscape` escapes every substituted string so it can sit inside a JSON string literal.
 */
export function resolveIntrinsics(value: unknown, template: object, values: Record<string, string> = {}, jsonEscape = false): unknown {
  const res = resources(template);
  const esc = (s: string): string => (jsonEscape ? JSON.stringify(s).slice(1, -1) : s);
  const ref = (id: string): string => values[id] ?? PSEUDO[id] ?? id;
  const getAtt = (id: string, attr: string): string =>
    values[`${id}.${attr}`] ?? (attr === 'Arn' ? arnFor(res[id]?.Type, id) : id);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v);
    const [key, arg] = entries[0] ?? [];
    if (entries.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))) {
      switch (key) {
        case 'Ref': return esc(ref(String(arg)));
        case 'Fn::GetAtt': {
          const [id, attr] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
          return esc(getAtt(id ?? '', attr ?? ''));
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (walk(parts) as unknown[]).join(sep);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [number, unknown];
          return (walk(list) as unknown[])[Number(index)];
        }
        case 'Fn::Sub': {
          const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, unknown>];
          const local = walk(vars) as Record<string, unknown>;
          return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
            if (name.startsWith('!')) return `\${${name.slice(1)}}`;
            if (name in local) return esc(String(local[name]));
            const dot = name.indexOf('.');
            return esc(dot > 0 && !name.startsWith('AWS::') ? getAtt(name.slice(0, dot), name.slice(dot + 1)) : ref(name));
          });
        }
        default: return fail(`unsupported intrinsic ${key}`);
      }
    }
    return Object.fromEntries(entries.map(([k, x]) => [k, walk(x)]));
  };
  return walk(value);
}

function fail(message: string): never {
  throw new Error(`offline-cloud: ${message}`);
}

/** Calls `visit` for every state, descending into Parallel branches and Map processors. */
export function forEachState(definition: AslDefinition, visit: (name: string, state: AslState) => void): void {
  for (const [name, state] of Object.entries(definition.States)) {
    visit(name, state);
    for (const branch of (state.Branches as AslDefinition[] | undefined) ?? []) forEachState(branch, visit);
    const inner = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
    if (inner) forEachState(inner, visit);
  }
}

const LAMBDA_ARN = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/;

/** Describes what every Task state of a definition calls, by state name. */
export function findTaskResources(definition: AslDefinition): Record<string, TaskResource> {
  const out: Record<string, TaskResource> = {};
  forEachState(definition, (name, state) => {
    if (state.Type !== 'Task') return;
    const resource = String(state.Resource);
    const fnName = (state.Parameters as Record<string, unknown> | undefined)?.FunctionName;
    if (/^arn:[^:]+:states:::lambda:invoke$/.test(resource) && typeof fnName === 'string') {
      out[name] = { arn: fnName, logicalId: LAMBDA_ARN.exec(fnName)?.[1], integration: 'lambda:invoke', resource };
    } else if (LAMBDA_ARN.test(resource)) {
      out[name] = { arn: resource, logicalId: LAMBDA_ARN.exec(resource)?.[1], integration: 'lambda', resource };
    } else {
      out[name] = { arn: resource, logicalId: undefined, integration: 'other', resource };
    }
  });
  return out;
}

/**
 * Finds the `AWS::StepFunctions::StateMachine` of a synthesized template (e.g.
 * `Template.fromStack(stack).toJSON()`) and returns its resolved ASL definition and Task resources.
 */
export function stateMachineFromTemplate(template: object, options: ResolveOptions = {}): ExtractedStateMachine {
  const machines = Object.entries(resources(template)).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
  const chosen = options.stateMachineLogicalId === undefined
    ? (machines.length === 1 ? machines[0] : fail(`expected one state machine, found ${machines.length}: pass stateMachineLogicalId`))
    : machines.find(([id]) => id === options.stateMachineLogicalId);
  if (!chosen) return fail(`no state machine ${options.stateMachineLogicalId}`);
  const [logicalId, machine] = chosen;
  const props = machine.Properties ?? {};
  const values = options.values ?? {};
  const subs = resolveIntrinsics(props.DefinitionSubstitutions ?? {}, template, values) as Record<string, unknown>;
  let definition: AslDefinition;
  if (props.DefinitionString !== undefined) {
    let text = String(resolveIntrinsics(props.DefinitionString, template, values, true));
    text = text.replace(/\$\{([^}]+)\}/g, (m, key: string) => (key in subs ? JSON.stringify(String(subs[key])).slice(1, -1) : m));
    definition = JSON.parse(text) as AslDefinition;
  } else if (props.Definition !== undefined) {
    definition = resolveIntrinsics(props.Definition, template, values) as AslDefinition;
  } else {
    return fail(`state machine ${logicalId} has no inline definition (S3 locations are not supported)`);
  }
  return { logicalId, definition, taskResources: findTaskResources(definition) };
}

/** Every `AWS::Lambda::Function` of the template by logical id, described without its code asset. */
export function functionLogicalIds(template: object, values: Record<string, string> = {}): Record<string, LambdaFunctionInfo> {
  const out: Record<string, LambdaFunctionInfo> = {};
  for (const [id, r] of Object.entries(resources(template))) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const p = r.Properties ?? {};
    const env = (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    out[id] = {
      arn: lambdaArn(id),
      handler: p.Handler as string | undefined,
      runtime: p.Runtime as string | undefined,
      timeoutSeconds: p.Timeout as number | undefined,
      environment: resolveIntrinsics(env, template, values) as Record<string, string>,
    };
  }
  return out;
}

/**
 * Keys local handlers by the ARN their Task states call, for `runStateMachine({ handlers })`.
 * Throws on an unknown state name, or two states of one function given different handlers.
 */
export function localHandlersFor(taskResources: Record<string, TaskResource>, handlersByState: Record<string, LocalTaskHandler>): Record<string, LocalTaskHandler> {
  const out: Record<string, LocalTaskHandler> = {};
  for (const [state, handler] of Object.entries(handlersByState)) {
    const task = taskResources[state] ?? fail(`no Task state named ${state}; known: ${Object.keys(taskResources).join(', ')}`);
    if (out[task.arn] && out[task.arn] !== handler) fail(`states calling ${task.arn} were given different handlers`);
    out[task.arn] = handler;
  }
  return out;
}

/**
 * Keys local handlers by function ARN, picking each function by the start of its logical id
 * (CDK appends a hash: `PlanFn` matches `PlanFn390EB6B3`). Each prefix must match exactly one function.
 */
export function handlersByLogicalIdPrefix(functions: Record<string, LambdaFunctionInfo>, handlersByPrefix: Record<string, LocalTaskHandler>): Record<string, LocalTaskHandler> {
  const out: Record<string, LocalTaskHandler> = {};
  for (const [prefix, handler] of Object.entries(handlersByPrefix)) {
    const hits = Object.keys(functions).filter((id) => id.startsWith(prefix));
    if (hits.length !== 1) fail(`prefix ${prefix} matches ${hits.length} functions: ${hits.join(', ') || Object.keys(functions).join(', ')}`);
    out[lambdaArn(hits[0] as string)] = handler;
  }
  return out;
}
