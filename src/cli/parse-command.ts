/**
 * Argument parsing shared by the sub-commands: node:util parseArgs for the syntax, zod for the
 * values; any problem prints the message and the usage and yields null (exit code 2).
 */

import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { z } from 'zod';
import { issueSummary } from '../zod-issues.js';
import type { Output } from './check-command.js';

export function parseCommand<S extends z.ZodType>(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  schema: S,
  usage: string,
  io: Output,
  allowPositionals = true,
): { values: z.infer<S>; positionals: string[] } | null {
  try {
    const parsed = parseArgs({ args: argv, allowPositionals, options });
    const values = schema.safeParse(parsed.values);
    if (!values.success) {
      io.err(`${issueSummary(values.error, '--')}\n${usage}`);
      return null;
    }
    return { values: values.data, positionals: parsed.positionals };
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
    return null;
  }
}
