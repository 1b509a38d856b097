'use strict';
// Generated from the function list of serverless.yml, so a new function is covered without editing this file:
//   - per function: a Lambda Errors alarm and a Throttles alarm, notifying AlarmTopic (resources/alarms.yml);
//   - the CloudWatch dashboard `<stack>-pipeline`: the pipeline left to right (requests → appends and relay → Kafka
//     → projector → read models) with our metrics (namespace Ledgerline, lib/platform/observability/metrics.ts),
//     then the functions' errors and throttles and the database underneath.
// Thresholds and what to do: docs/runbook.md.

const NAMESPACE = 'Ledgerline';
const SERVICE = ['service', 'ledgerline'];
const COLUMN_WIDTH = 6;
const WIDGET_HEIGHT = 6;

/** osls's logical id prefix of a function (lib/plugins/aws/lib/naming.js getNormalizedFunctionName). */
function normalizedName(functionName) {
  return `${functionName[0].toUpperCase()}${functionName.slice(1)}`.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
}

function alarm(description, properties) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      Namespace: 'AWS/Lambda',
      Period: 300,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: 'AlarmTopic' }],
      OKActions: [{ Ref: 'AlarmTopic' }],
      ...properties,
    },
  };
}

/**
 * Errors: any (Sum > 0 in 5 minutes). The handlers answer every expected failure themselves (problem+json, 503, batch
 *   item failures), so an error is a crash, a timeout, or an outage the function could not absorb.
 * Throttles: more than 5 in 5 minutes, twice in a row. Reserved concurrency is small by design (the RDS Proxy
 *   connection budget, serverless.yml), so a short burst may be throttled and retried by the client; a sustained
 *   rate means the budget is too small for the traffic.
 */
function functionAlarms(functionNames) {
  const resources = {};
  for (const name of functionNames) {
    const id = normalizedName(name);
    const dimensions = [{ Name: 'FunctionName', Value: { Ref: `${id}LambdaFunction` } }];
    resources[`${id}ErrorsAlarm`] = alarm(`Function ${name} failed. Runbook: docs/runbook.md#lambda-errors`, {
      MetricName: 'Errors',
      Dimensions: dimensions,
      Statistic: 'Sum',
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    resources[`${id}ThrottlesAlarm`] = alarm(
      `Function ${name} is being throttled. Runbook: docs/runbook.md#lambda-throttles`,
      {
        MetricName: 'Throttles',
        Dimensions: dimensions,
        Statistic: 'Sum',
        EvaluationPeriods: 2,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanThreshold',
      },
    );
  }
  return resources;
}

function text(x, y, width, markdown) {
  return { type: 'text', x, y, width, height: 2, properties: { markdown } };
}

function metricWidget(x, y, title, metrics, options = {}) {
  const { width = COLUMN_WIDTH, stat = 'Sum', alarmAt, ...rest } = options;
  return {
    type: 'metric',
    x,
    y,
    width,
    height: WIDGET_HEIGHT,
    properties: {
      title,
      region: '${AWS::Region}',
      view: 'timeSeries',
      stacked: false,
      period: 60,
      stat,
      metrics,
      ...(alarmAt !== undefined && { annotations: { horizontal: [{ label: 'alarm', value: alarmAt }] } }),
      ...rest,
    },
  };
}

const ours = (name, extra = {}) => [NAMESPACE, name, ...SERVICE, extra];
const search = (id, metricName, dimensions, label) => [
  {
    id,
    label,
    expression: `SEARCH('{${NAMESPACE},${dimensions.join(',')}} MetricName="${metricName}"', 'Sum', 60)`,
  },
];

/** The dashboard body (a JSON string for Fn::Sub: ${...} are the stack's resources). */
function dashboardBody(functionNames, kafkaMode) {
  const lambda = (metric, functionName, extra = {}) => [
    'AWS/Lambda',
    metric,
    'FunctionName',
    `\${${normalizedName(functionName)}LambdaFunction}`,
    extra,
  ];
  const [requests, relay, kafka, projector] = [0, 1, 2, 3].map((column) => column * COLUMN_WIDTH);
  const row = (n) => 2 + n * WIDGET_HEIGHT;
  const widgets = [
    text(requests, 0, COLUMN_WIDTH, '## ① Requests →\nHTTP API, commands by outcome'),
    text(relay, 0, COLUMN_WIDTH, '## ② Appends → relay →\nEvent store to Kafka (outbox relay)'),
    text(kafka, 0, COLUMN_WIDTH, '## ③ Kafka →\nTopic, consumer lag, dead letters'),
    text(projector, 0, COLUMN_WIDTH, '## ④ Projector → read models\nApplied, lag, parked'),

    metricWidget(requests, row(0), 'HTTP API requests', [
      ['AWS/ApiGateway', 'Count', 'ApiId', '${HttpApi}'],
      ['AWS/ApiGateway', '4xx', 'ApiId', '${HttpApi}'],
      ['AWS/ApiGateway', '5xx', 'ApiId', '${HttpApi}'],
    ]),
    metricWidget(requests, row(1), 'Commands by outcome', search('c', 'Commands', ['command', 'outcome', 'service'])),
    metricWidget(requests, row(2), 'Conflict retries and idempotent replays', [
      ...search('r', 'CommandConflictRetries', ['command', 'outcome', 'service'], 'conflict retries'),
      ...search('i', 'IdempotentReplays', ['command', 'outcome', 'service'], 'replays'),
    ]),
    metricWidget(requests, row(3), 'HTTP API latency (ms)', [
      ['AWS/ApiGateway', 'Latency', 'ApiId', '${HttpApi}', { stat: 'p50' }],
      ['AWS/ApiGateway', 'Latency', 'ApiId', '${HttpApi}', { stat: 'p99' }],
    ]),

    metricWidget(relay, row(0), 'Events published to Kafka', [ours('RelayEventsPublished')]),
    metricWidget(relay, row(1), 'Relay backlog (events not on Kafka)', [ours('RelayBacklogEvents')], {
      stat: 'Maximum',
    }),
    metricWidget(relay, row(2), 'Relay backlog age (s)', [ours('RelayBacklogAge')], { stat: 'Maximum', alarmAt: 300 }),
    metricWidget(relay, row(3), 'Relay sweep', [
      lambda('Invocations', 'relaySweep'),
      lambda('Errors', 'relaySweep'),
      lambda('Duration', 'relaySweep', { stat: 'Maximum', yAxis: 'right' }),
    ]),

    metricWidget(kafka, row(0), 'Projector consumer lag (OffsetLag)', [lambda('OffsetLag', 'projector')], {
      stat: 'Maximum',
      alarmAt: 1000,
    }),
    metricWidget(kafka, row(1), 'Dead letters', [ours('ProjectorEventsDeadLettered', { label: 'dead-letter topic' })]),
    kafkaMode === 'msk'
      ? metricWidget(
          kafka,
          row(2),
          'Broker data disk used (%)',
          ['1', '2'].map((broker) => [
            'AWS/Kafka',
            'KafkaDataLogsDiskUsed',
            'Cluster Name',
            '${AWS::StackName}-kafka',
            'Broker ID',
            broker,
          ]),
          { stat: 'Maximum', alarmAt: 80 },
        )
      : text(kafka, row(2), COLUMN_WIDTH, 'Self-managed Kafka: broker disk is monitored where the brokers run.'),
    metricWidget(kafka, row(3), 'Projector invocations', [
      lambda('Invocations', 'projector'),
      lambda('Errors', 'projector'),
      lambda('Throttles', 'projector'),
    ]),

    metricWidget(projector, row(0), 'Projector: events by fate', [
      ours('ProjectorEventsApplied'),
      ours('ProjectorDuplicatesSkipped'),
      ours('ProjectorEventsParked'),
      ours('ProjectorEventsDeadLettered'),
    ]),
    metricWidget(
      projector,
      row(1),
      'Projection lag (events), parked events, divergent accounts (audit)',
      [
        ours('ProjectionLagEvents'),
        ours('ParkedEvents'),
        ours('ReadModelDivergentAccounts'),
        ours('ReadModelAccountsAudited', { visible: false }),
      ],
      { stat: 'Maximum' },
    ),
    metricWidget(projector, row(2), 'Projection lag age (s)', [ours('ProjectionLagAge')], {
      stat: 'Maximum',
      alarmAt: 600,
    }),
    metricWidget(projector, row(3), 'Relay send → read model (ms)', [
      ours('ProjectorDelay', { stat: 'p50' }),
      ours('ProjectorDelay', { stat: 'p99' }),
    ]),

    metricWidget(
      0,
      row(4),
      'Errors by function',
      functionNames.map((name) => lambda('Errors', name)),
      {
        width: 12,
      },
    ),
    metricWidget(
      12,
      row(4),
      'Throttles by function',
      functionNames.map((name) => lambda('Throttles', name)),
      {
        width: 12,
      },
    ),
    metricWidget(
      0,
      row(5),
      'Database',
      [
        ['AWS/RDS', 'CPUUtilization', 'DBInstanceIdentifier', '${Database}', { stat: 'Average' }],
        ['AWS/RDS', 'DatabaseConnections', 'DBInstanceIdentifier', '${Database}', { stat: 'Maximum', yAxis: 'right' }],
      ],
      { width: 8 },
    ),
    metricWidget(
      8,
      row(5),
      'RDS Proxy',
      [
        ['AWS/RDS', 'ClientConnections', 'ProxyName', '${DbProxy}'],
        ['AWS/RDS', 'DatabaseConnectionsCurrentlySessionPinned', 'ProxyName', '${DbProxy}'],
      ],
      { width: 8, stat: 'Maximum' },
    ),
    metricWidget(
      16,
      row(5),
      'Database free storage (bytes)',
      [['AWS/RDS', 'FreeStorageSpace', 'DBInstanceIdentifier', '${Database}']],
      { width: 8, stat: 'Minimum' },
    ),
  ];
  return JSON.stringify({ widgets });
}

/** `resources:` entry of serverless.yml. */
async function resources({ resolveConfigurationProperty, resolveVariable }) {
  const functionNames = Object.keys((await resolveConfigurationProperty(['functions'])) ?? {});
  const kafkaMode = await resolveVariable('param:kafkaMode');
  return {
    Resources: {
      ...functionAlarms(functionNames),
      PipelineDashboard: {
        Type: 'AWS::CloudWatch::Dashboard',
        Properties: {
          DashboardName: { 'Fn::Sub': '${AWS::StackName}-pipeline' },
          DashboardBody: { 'Fn::Sub': dashboardBody(functionNames, kafkaMode) },
        },
      },
    },
    Outputs: {
      PipelineDashboardUrl: {
        Description: 'The pipeline dashboard (CloudWatch)',
        Value: {
          'Fn::Sub':
            'https://${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=${AWS::Region}#dashboards:name=${AWS::StackName}-pipeline',
        },
      },
    },
  };
}

module.exports = { resources, functionAlarms, dashboardBody, normalizedName };
