/**
 * The `notify` function (scheduled): delivers due spoof flags from the outbox.
 */

import { runNotify } from '../src/app/scheduled-jobs.js';

export const handler = runNotify;
