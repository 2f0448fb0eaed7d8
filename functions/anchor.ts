/**
 * The `anchor` function (scheduled): signs the audit chains' heads that moved and anchors the newest
 * signed checkpoint of each chain in the S3 Object Lock bucket.
 */

import { runAnchoring } from '../src/app/scheduled-jobs.js';

export const handler = runAnchoring;
