// The six fleet functions: runtime, architecture, timeouts, environment, log groups, and one
// least-privilege role each.
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { FleetFunctionName } from '../../lib/infra/functions.ts';
import { build, logicalId } from './fixtures.ts';
import type { Built } from './fixtures.ts';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** Every Allow statement attached (inline or through AWS::IAM::Policy) to a role. */
function statementsOf(built: Built, roleId: string): Statement[] {
  const out: Statement[] = [];
  for (const policy of Object.values(built.template.findResources('AWS::IAM::Policy'))) {
    const roles = policy.Properties.Roles as { Ref: string }[];
    if (roles.some((r) => r.Ref === roleId)) out.push(...(policy.Properties.PolicyDocument.Statement as Statement[]));
  }
  const role = built.template.findResources('AWS::IAM::Role')[roleId];
  for (const p of (role?.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]) {
    out.push(...p.PolicyDocument.Statement);
  }
  return out;
}

/** action -> resources (flattened to strings for readable assertions). */
function permissions(built: Built, name: FleetFunctionName): Map<string, string[]> {
  const fns = built.stack.fleetFunctions;
  const ids = new Map<string, string>([
    [logicalId(built, built.stack.runTable.table), 'table'],
    [logicalId(built, built.stack.unitQueue.queue), 'queue'],
    [logicalId(built, built.stack.unitQueue.deadLetterQueue), 'dlq'],
    [logicalId(built, built.stack.reports.bucket), 'bucket'],
    [logicalId(built, fns[name].logGroup), 'ownLogGroup'],
  ]);
  const flat = (r: unknown): string => {
    if (typeof r === 'string') return r;
    const o = r as Record<string, unknown>;
    if (o['Fn::GetAtt']) return ids.get((o['Fn::GetAtt'] as string[])[0]!) ?? JSON.stringify(r);
    if (o['Fn::Join']) return (o['Fn::Join'] as [string, unknown[]])[1].map(flat).join('');
    if (o['Ref']) return ids.get(o['Ref'] as string) ?? `Ref:${String(o['Ref'])}`;
    return JSON.stringify(r);
  };
  const map = new Map<string, string[]>();
  for (const st of statementsOf(built, logicalId(built, fns[name].role))) {
    expect(st.Effect).toBe('Allow');
    for (const action of list(st.Action)) {
      map.set(action, [...(map.get(action) ?? []), ...list(st.Resource).map(flat)].sort());
    }
  }
  return map;
}

const TABLE_WRITE = ['BatchWriteItem', 'DeleteItem', 'DescribeTable', 'PutItem', 'UpdateItem'];
const TABLE_READ = ['BatchGetItem', 'ConditionCheckItem', 'DescribeTable', 'GetItem', 'GetRecords', 'GetShardIterator', 'Query', 'Scan'];
const ddb = (...groups: string[][]) => [...new Set(groups.flat())].map((a) => `dynamodb:${a}`);
const SEND = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];
const CONSUME = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ReceiveMessage'];
const COMMON = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

const EXPECTED_ACTIONS: Record<FleetFunctionName, string[]> = {
  plan: [...ddb(TABLE_WRITE), 's3:GetObject'],
  dispatch: [...ddb(TABLE_READ, TABLE_WRITE), ...SEND],
  progress: [...ddb(TABLE_READ, TABLE_WRITE), ...SEND],
  sweep: [...ddb(TABLE_READ, TABLE_WRITE), 's3:PutObject'],
  aggregate: [...ddb(TABLE_READ, TABLE_WRITE), 's3:GetObject', 's3:PutObject', 's3:ListBucket'],
  worker: [...ddb(TABLE_READ, TABLE_WRITE), ...SEND, ...CONSUME, 's3:PutObject'],
};

const EXPECTED_TIMEOUTS: Record<FleetFunctionName, number> = {
  plan: 60,
  dispatch: 300,
  progress: 60,
  sweep: 900,
  aggregate: 300,
  worker: 900,
};

const NAMES = Object.keys(EXPECTED_TIMEOUTS) as FleetFunctionName[];

describe('fleet functions', () => {
  const built = build({ allowedHosts: ['api.example.com', 'shop.example.com:8443'], startLeadSeconds: 30 });
  const { template, stack } = built;

  it('are exactly six Lambda functions (no custom-resource providers)', () => {
    template.resourceCountIs('AWS::Lambda::Function', 6);
    expect(template.findResources('Custom::LogRetention')).toEqual({});
  });

  it.each(NAMES)('%s: nodejs24.x on arm64, X-Ray active, its timeout, its own log group', (name) => {
    const f = stack.fleetFunctions[name];
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.anyValue(),
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: EXPECTED_TIMEOUTS[name],
      TracingConfig: { Mode: 'Active' },
      Role: { 'Fn::GetAtt': [logicalId(built, f.role), 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: logicalId(built, f.logGroup) } },
    });
    expect(logicalId(built, f.fn)).toMatch(new RegExp(name, 'i'));
  });

  it('worker gets the configured memory and timeout', () => {
    const b = build({ workerMemoryMb: 3008, workerTimeoutSeconds: 300 });
    b.template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [logicalId(b, b.stack.fleetFunctions.worker.role), 'Arn'] },
      MemorySize: 3008,
      Timeout: 300,
    });
    b.template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 1800 });
  });

  it.each(NAMES)('%s: carries the fleet environment', (name) => {
    const f = stack.fleetFunctions[name];
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(built, f.fn)];
    expect(fn?.Properties.Environment.Variables).toEqual({
      POWERTOOLS_SERVICE_NAME: 'loadfleet',
      POWERTOOLS_METRICS_NAMESPACE: 'Loadfleet',
      TABLE_NAME: { Ref: logicalId(built, stack.runTable.table) },
      QUEUE_URL: { Ref: logicalId(built, stack.unitQueue.queue) },
      BUCKET_NAME: { Ref: logicalId(built, stack.reports.bucket) },
      ALLOWED_HOSTS: '["api.example.com","shop.example.com:8443"]',
      LIMITS: JSON.stringify({ maxRps: 2000, maxDurationSeconds: 3600, maxRequests: 10_000_000 }),
      WORKER_TIMEOUT_SECONDS: '900',
      START_LEAD_SECONDS: '30',
      MAX_CONCURRENCY: String(built.config.maxConcurrency),
    });
    expect(JSON.parse(fn?.Properties.Environment.Variables.LIMITS as string)).toEqual(built.config.limits);
  });

  it('sourceMaps starts every function with NODE_OPTIONS=--enable-source-maps (off by default, above)', () => {
    const b = build({ sourceMaps: true });
    const variables = Object.values(b.template.findResources('AWS::Lambda::Function')).map((fn) => fn.Properties.Environment.Variables as Record<string, unknown>);
    expect(variables).toHaveLength(6);
    for (const v of variables) expect(v['NODE_OPTIONS']).toBe('--enable-source-maps');
  });

  it('log groups keep logs for logRetentionDays', () => {
    const b = build({ logRetentionDays: 14 });
    // Six function log groups + the state machine's.
    b.template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 14 }, 7);
  });

  it('one role per function, trusted by Lambda only, no AWS managed policies', () => {
    const roleIds = NAMES.map((n) => logicalId(built, stack.fleetFunctions[n].role));
    expect(new Set(roleIds).size).toBe(6);
    const roles = template.findResources('AWS::IAM::Role');
    for (const id of roleIds) {
      expect(roles[id]?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it.each(NAMES)('%s: exactly its least-privilege actions', (name) => {
    const perms = permissions(built, name);
    expect([...perms.keys()].sort()).toEqual([...COMMON, ...EXPECTED_ACTIONS[name]].sort());
    expect(perms.get('logs:PutLogEvents')).toEqual(['ownLogGroup']);
    expect(perms.get('xray:PutTraceSegments')).toEqual(['*']);
    for (const [action, resources] of perms) {
      if (action.startsWith('dynamodb:')) expect(resources).toEqual(['table']);
      if (action.startsWith('sqs:')) expect(resources).toEqual(['queue']);
    }
  });

  it('bucket access is scoped by prefix', () => {
    expect(permissions(built, 'plan').get('s3:GetObject')).toEqual(['bucket/plans/*']);
    expect(permissions(built, 'sweep').get('s3:PutObject')).toEqual(['bucket/runs/*']);
    expect(permissions(built, 'worker').get('s3:PutObject')).toEqual(['bucket/runs/*']);
    expect(permissions(built, 'aggregate').get('s3:GetObject')).toEqual(['bucket/runs/*']);
    expect(permissions(built, 'aggregate').get('s3:PutObject')).toEqual(['bucket/runs/*']);
    const list = statementsOf(built, logicalId(built, stack.fleetFunctions.aggregate.role)).find((s) => s.Action === 's3:ListBucket');
    expect(list?.Condition).toEqual({ StringLike: { 's3:prefix': ['runs/*'] } });
  });

  it('the worker cannot read the bucket and the plan step cannot send to the queue', () => {
    const worker = permissions(built, 'worker');
    expect([...worker.keys()].filter((a) => a.startsWith('s3:'))).toEqual(['s3:PutObject']);
    const plan = permissions(built, 'plan');
    expect([...plan.keys()].filter((a) => a.startsWith('sqs:'))).toEqual([]);
  });

  it('no policy anywhere grants Action "*"; Resource "*" only for X-Ray and Step Functions log delivery', () => {
    const allowedStar = /^(xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)|logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups))$/;
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      for (const st of policy.Properties.PolicyDocument.Statement as Statement[]) {
        for (const action of list(st.Action)) expect(action).not.toMatch(/^\*$|:\*$/);
        if (list(st.Resource).includes('*')) {
          for (const action of list(st.Action)) expect(action).toMatch(allowedStar);
        }
      }
    }
  });
});

describe('worker subscription', () => {
  it('reports batch item failures, caps concurrency, uses batchSize, no batching window', () => {
    const built = build({ maxConcurrency: 250, batchSize: 4 });
    built.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    built.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(built, built.stack.unitQueue.queue), 'Arn'] },
      FunctionName: { Ref: logicalId(built, built.stack.fleetFunctions.worker.fn) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 250 },
      BatchSize: 4,
      MaximumBatchingWindowInSeconds: 0,
    });
  });
});
