/**
 * The `notify` function (scheduled): delivers due spoof flags from the outbox.
 */

import { lambdaDispatcher } from '../src/app/lambda-parts.js';

export const handler = async () => (await lambdaDispatcher()).runOnce();
