#!/usr/bin/env node
/**
 * The `ifas` command line. Sub-commands: check, eval, serve, keys, audit. Never throws past this point: every failure becomes a
 * message and an exit code.
 */

import { AUDIT_USAGE, runAudit } from './audit-command.js';
import { CHECK_USAGE, runCheck } from './check-command.js';
import { EVAL_USAGE, runEval } from './eval-command.js';
import { KEYS_USAGE, runKeys } from './keys-command.js';
import { runServe, SERVE_USAGE } from './serve-command.js';

const USAGE = `ifas — interpretable face anti-spoofing\n\n${[CHECK_USAGE, EVAL_USAGE, SERVE_USAGE, KEYS_USAGE, AUDIT_USAGE].join('\n')}`;

async function main(argv: string[]): Promise<number> {
  const io = {
    out: (text: string) => process.stdout.write(`${text}\n`),
    write: (text: string) => process.stdout.write(text),
    err: (text: string) => process.stderr.write(`${text}\n`),
  };
  const [command, ...rest] = argv;
  switch (command) {
    case 'check':
      return runCheck(rest, io);
    case 'eval':
      return runEval(rest, io);
    case 'serve':
      return runServe(rest, io);
    case 'keys':
      return runKeys(rest, io);
    case 'audit':
      return runAudit(rest, io);
    case undefined:
    case 'help':
    case '--help':
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      io.err(`unknown command ${command}\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `internal error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
