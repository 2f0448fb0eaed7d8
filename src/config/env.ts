/**
 * The one way environment settings are read, for the server, the Lambda functions and the infer
 * container: a zod schema over the environment, and a ConfigError naming every setting it refused.
 */

import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { issueSummary } from '../zod-issues.js';

export function parseEnv<S extends z.ZodType>(
  schema: S,
  what: string,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`invalid ${what}: ${issueSummary(parsed.error)}`);
  }
  return parsed.data;
}
