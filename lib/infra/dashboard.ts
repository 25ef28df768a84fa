/**
 * The `loadfleet` CloudWatch dashboard: what the workers emitted (EMF metrics in namespace `Loadfleet`)
 * next to the health of the machinery sending it (worker Lambda, queue, DLQ, state machine), so a dip in
 * requests can be told apart from a throttled fleet at a glance.
 */
import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, MathExpression, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** Dashboard name (one fleet per account and region). */
export const DASHBOARD_NAME = 'loadfleet';
/** Namespace the handlers publish EMF metrics to (POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'Loadfleet';

const PERIOD = Duration.minutes(1);

/** Dimension sets the workers publish with. */
const RUN_WORKLOAD = ['runId', 'workload'] as const;
const RUN_WORKLOAD_ENDPOINT = ['runId', 'workload', 'endpoint'] as const;

/**
 * A SEARCH over every series of a fleet metric: runId is a dimension whose values change every run,
 * so fixed Metric objects could never match a future run.
 */
export function fleetSearch(
  metricName: string,
  statistic: 'Sum' | 'Maximum' | 'Average',
  dimensions: readonly string[],
  label: string,
): MathExpression {
  const schema = [METRICS_NAMESPACE, ...dimensions].join(',');
  return new MathExpression({
    expression: `SEARCH('{${schema}} MetricName="${metricName}"', '${statistic}', ${PERIOD.toSeconds()})`,
    usingMetrics: {},
    label,
    period: PERIOD,
  });
}

/** Properties of {@link FleetDashboard}. */
export interface FleetDashboardProps {
  readonly worker: IFunction;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly stateMachine: IStateMachine;
}

/** The fleet dashboard. */
export class FleetDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: FleetDashboardProps) {
    super(scope, id);
    const graph = (title: string, left: IMetric[], right: IMetric[] = []): GraphWidget =>
      new GraphWidget({ title, left, right, width: 12, height: 6, period: PERIOD });

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: DASHBOARD_NAME });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: '# loadfleet\nTraffic the fleet sent (namespace `Loadfleet`, one series per run and workload), then the fleet\'s own health.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('Requests and errors per run / workload', [
        fleetSearch('requests', 'Sum', RUN_WORKLOAD, 'requests'),
      ], [fleetSearch('errors', 'Sum', RUN_WORKLOAD, 'errors')]),
      graph('Lifecycles per run / workload', [
        fleetSearch('lifecyclesCompleted', 'Sum', RUN_WORKLOAD, 'completed'),
        fleetSearch('lifecyclesFailed', 'Sum', RUN_WORKLOAD, 'failed'),
        fleetSearch('lifecyclesDropped', 'Sum', RUN_WORKLOAD, 'dropped'),
      ]),
    );
    this.dashboard.addWidgets(
      graph('p99 latency (ms) per run / workload', [fleetSearch('latencyP99', 'Maximum', RUN_WORKLOAD, 'p99')]),
      graph('p99 latency (ms) per endpoint', [fleetSearch('latencyP99', 'Maximum', RUN_WORKLOAD_ENDPOINT, 'p99')]),
    );
    this.dashboard.addWidgets(
      graph('Requests per endpoint', [fleetSearch('requests', 'Sum', RUN_WORKLOAD_ENDPOINT, 'requests')]),
      graph('Errors per endpoint', [fleetSearch('errors', 'Sum', RUN_WORKLOAD_ENDPOINT, 'errors')]),
    );
    this.dashboard.addWidgets(
      graph(
        'Worker errors and throttles',
        [props.worker.metricErrors({ period: PERIOD }), props.worker.metricThrottles({ period: PERIOD })],
      ),
      graph(
        'Worker duration and concurrency',
        [
          props.worker.metricDuration({ period: PERIOD, statistic: 'p99' }),
          props.worker.metricDuration({ period: PERIOD, statistic: 'Maximum' }),
        ],
        [props.worker.metric('ConcurrentExecutions', { period: PERIOD, statistic: 'Maximum' })],
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Unit queue: depth and oldest message age (s)',
        [props.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' })],
        [props.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' })],
      ),
      graph('Dead-letter queue depth and runs', [
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
      ], [
        props.stateMachine.metricSucceeded({ period: PERIOD }),
        props.stateMachine.metricFailed({ period: PERIOD }),
        props.stateMachine.metricTimedOut({ period: PERIOD }),
      ]),
    );
  }
}
