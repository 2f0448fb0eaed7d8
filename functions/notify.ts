/**
 * The `notify` function (scheduled): delivers due spoof flags from the outbox. Each run logs its
 * report as one JSON line ({"outbox":{…,"dead":n}}); infra/'s monitoring stack alarms on dead > 0.
 */

import { lambdaDispatcher } from '../src/lambda/lambda-parts.js';

export const handler = async () => {
  const report = await (await lambdaDispatcher()).runOnce();
  console.log(JSON.stringify({ outbox: report }));
  return report;
};
