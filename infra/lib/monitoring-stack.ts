/**
 * Alarms on what serverless.yml deploys, found by name and by its exports (deploy this stack after
 * `sls deploy`): each function's errors and throttles, the API's 5xx rate and its throttled (429)
 * requests, the scheduled functions' dead-letter queue, the model queue refusing checks
 * (QUEUE_FULL) and spoof flags the outbox gave up on (dead letters). All go to one SNS topic.
 */

import { Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { exportName, type InfraSettings } from './settings.js';

const FIVE_MINUTES = Duration.minutes(5);

export class MonitoringStack extends Stack {
  constructor(scope: Construct, id: string, settings: InfraSettings, props: StackProps = {}) {
    super(scope, id, props);
    const topic = new sns.Topic(this, 'Alarms', {
      topicName: `ifas-guard-${settings.stage}-alarms`,
      enforceSSL: true,
    });
    if (settings.alarmEmail !== '') {
      topic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
    }
    const notify = new actions.SnsAction(topic);
    const alarm = (
      name: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
    ) => {
      const created = new cloudwatch.Alarm(this, name, {
        alarmName: `ifas-guard-${settings.stage}-${name}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(notify);
      return created;
    };

    for (const fn of settings.functions) {
      const FunctionName = `ifas-guard-${settings.stage}-${fn}`;
      const lambdaMetric = (metricName: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/Lambda',
          metricName,
          dimensionsMap: { FunctionName },
          statistic: 'Sum',
          period: FIVE_MINUTES,
        });
      alarm(
        `${fn}-errors`,
        lambdaMetric('Errors'),
        1,
        `${FunctionName} failed (uncaught error or timeout)`,
      );
      alarm(
        `${fn}-throttles`,
        lambdaMetric('Throttles'),
        1,
        `${FunctionName} was throttled (concurrency limit)`,
      );
    }

    const ApiId = Fn.importValue(exportName(settings.stage, 'HttpApiId'));
    const apiMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId, Stage: '$default' },
        statistic: 'Sum',
        period: FIVE_MINUTES,
      });
    const requests = apiMetric('Count');
    alarm(
      'api-5xx-rate',
      new cloudwatch.MathExpression({
        expression: 'IF(requests > 20, 100 * errors / requests, 0)',
        usingMetrics: { errors: apiMetric('5xx'), requests },
        period: FIVE_MINUTES,
        label: '5xx %',
      }),
      5,
      'more than 5% of API requests answered 5xx (with at least 20 requests in 5 minutes)',
    );
    // HTTP APIs count stage throttling among 4xx; a sustained 4xx surge is the visible sign of it.
    alarm(
      'api-4xx-rate',
      new cloudwatch.MathExpression({
        expression: 'IF(requests > 20, 100 * rejected / requests, 0)',
        usingMetrics: { rejected: apiMetric('4xx'), requests },
        period: FIVE_MINUTES,
        label: '4xx %',
      }),
      25,
      'a quarter of API requests refused (throttling at the stage, or auth failures): check the rate limits',
    );

    alarm(
      'dead-letters',
      new cloudwatch.Metric({
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensionsMap: {
          QueueName: Fn.importValue(exportName(settings.stage, 'DeadLetterQueueName')),
        },
        statistic: 'Maximum',
        period: FIVE_MINUTES,
      }),
      1,
      'a scheduled run (notify, anchor or retention) failed after its retries: see the dead-letter queue (an anchor run fails while S3 cannot take checkpoints)',
    );

    // The functions write one JSON line per event worth counting (functions/api.ts, notify.ts).
    const logMetric = (name: string, fn: string, pattern: logs.IFilterPattern, value: string) => {
      const filter = new logs.MetricFilter(this, `${name}-filter`, {
        logGroup: logs.LogGroup.fromLogGroupName(
          this,
          `${name}-logs`,
          `/aws/lambda/ifas-guard-${settings.stage}-${fn}`,
        ),
        filterPattern: pattern,
        metricNamespace: `ifas-guard/${settings.stage}`,
        metricName: name,
        metricValue: value,
        defaultValue: 0,
      });
      return filter.metric({ statistic: 'Sum', period: FIVE_MINUTES });
    };
    alarm(
      'queue-full',
      logMetric(
        'QueueFull',
        'api',
        logs.FilterPattern.stringValue('$.refused', '=', 'QUEUE_FULL'),
        '1',
      ),
      5,
      'the model queue refused checks (QUEUE_FULL) five or more times in 5 minutes: raise memory or move inference out',
    );
    alarm(
      'audit-chain-refused',
      logMetric(
        'AuditChainsRefused',
        'anchor',
        logs.FilterPattern.numberValue('$.anchoring.refused', '>', 0),
        '$.anchoring.refused',
      ),
      1,
      'an audit chain no longer agrees with its anchored checkpoint and was not signed: investigate tampering (ifas audit verify)',
    );
    alarm(
      'flag-dead-letters',
      logMetric(
        'FlagDeadLetters',
        'notify',
        logs.FilterPattern.numberValue('$.outbox.dead', '>', 0),
        '$.outbox.dead',
      ),
      1,
      'spoof flags gave up after their last delivery attempt (GET /v1/flags?status=dead)',
    );
  }
}
