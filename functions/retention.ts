/**
 * The `retention` function (scheduled): purges audit records older than IFAS_RETENTION_DAYS (each
 * chain keeps a signed checkpoint), retained images past their expiry, and old hook message ids.
 */

import { runRetention } from '../src/app/scheduled-jobs.js';

export const handler = runRetention;
