/**
 * One way to say what a zod schema refused: `path: message` per issue, joined with "; ". Command
 * lines prefix paths with `--` so they read as the option that was wrong.
 */

import type { z } from 'zod';

export function issueSummary(error: z.ZodError, pathPrefix = ''): string {
  return error.issues
    .map((issue) => `${pathPrefix}${issue.path.join('.')}: ${issue.message}`)
    .join('; ');
}
