import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { METRIC } from '../../lib/platform/observability/metrics';

// resources/observability.js is CommonJS, loaded by osls when it resolves serverless.yml.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const observability = require('../../resources/observability.js') as {
  resources: (resolvers: {
    resolveConfigurationProperty: (path: string[]) => Promise<unknown>;
    resolveVariable: (name: string) => Promise<unknown>;
  }) => Promise<{ Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }>;
};

const functionNames = ['deposit', 'projector', 'relaySweep', 'webOps'];

async function generated(kafkaMode = 'msk') {
  return observability.resources({
    resolveConfigurationProperty: async () => Object.fromEntries(functionNames.map((name) => [name, {}])),
    resolveVariable: async () => kafkaMode,
  });
}

describe('resources/observability.js (per-function alarms and the pipeline dashboard)', () => {
  it('given the functions of serverless.yml when generated then each has an Errors and a Throttles alarm on the alarm topic', async () => {
    const { Resources } = await generated();
    for (const name of functionNames) {
      const id = `${name[0]!.toUpperCase()}${name.slice(1)}`;
      for (const metric of ['Errors', 'Throttles']) {
        const alarm = Resources[`${id}${metric}Alarm`];
        expect(alarm?.Properties).toMatchObject({
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: `${id}LambdaFunction` } }],
          AlarmActions: [{ Ref: 'AlarmTopic' }],
        });
      }
    }
  });

  it('given the metrics the code writes when the dashboard is generated then it shows every one of them, left to right', async () => {
    const { Resources } = await generated();
    const body = (Resources.PipelineDashboard!.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
    const { widgets } = JSON.parse(body) as {
      widgets: Array<{ x: number; y: number; properties: { markdown?: string } }>;
    };
    const headers = widgets.filter((widget) => widget.y === 0).sort((a, b) => a.x - b.x);
    expect(headers.map((widget) => widget.properties.markdown?.split('\n')[0])).toEqual([
      '## ① Requests →',
      '## ② Appends → relay →',
      '## ③ Kafka →',
      '## ④ Projector → read models',
    ]);
    // As a metric (["Ledgerline","Name",...]) or in a SEARCH expression (MetricName=\"Name\").
    for (const name of Object.values(METRIC)) expect(body).toMatch(new RegExp(`("|MetricName=\\\\")${name}\\\\?"`));
    expect(body).toContain('KafkaDataLogsDiskUsed');
    const selfManaged = await generated('self-managed');
    expect(
      (selfManaged.Resources.PipelineDashboard!.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'],
    ).not.toContain('KafkaDataLogsDiskUsed');
  });

  it('given resources/alarms.yml when read then every alarm notifies the alarm topic and names its runbook section', () => {
    // CloudFormation short forms (!Ref, !Sub) as plain tagged values: only the structure is checked here.
    const customTags = ['Ref', 'Sub', 'GetAtt', 'Not', 'Equals'].flatMap((tag) =>
      (['seq', undefined] as const).map((collection) => ({
        tag: `!${tag}`,
        ...(collection && { collection }),
        resolve: (value: unknown) => ({ [tag]: value }),
      })),
    );
    const template = parse(readFileSync(path.join(__dirname, '../../resources/alarms.yml'), 'utf8'), {
      customTags,
    }) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const alarms = Object.values(template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(10);
    const runbook = readFileSync(path.join(__dirname, '../../docs/runbook.md'), 'utf8');
    const anchors = new Set(
      [...runbook.matchAll(/^#{2,3} (.+)$/gm)].map(([, heading]) =>
        heading!
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replaceAll(' ', '-'),
      ),
    );
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
      const anchor = /docs\/runbook\.md#([a-z0-9-]+)/.exec(String(alarm.Properties.AlarmDescription))?.[1];
      expect(anchors).toContain(anchor);
    }
    // The alarms defined elsewhere: per function (observability.js), MSK disk (kafka-mode/msk.yml); the failure destination's section.
    for (const anchor of ['lambda-errors', 'lambda-throttles', 'msk-broker-disk', 'projector-failure-destination']) {
      expect(anchors).toContain(anchor);
    }
  });
});
