#!/usr/bin/env node
/**
 * The `ifas` command line. Sub-commands: check, eval, serve, keys, audit. Never throws past this point: every failure becomes a
 * message and an exit code.
 */

type Io = { out(text: string): void; write(text: string): void; err(text: string): void };
type Runner = (args: string[], io: Io) => Promise<number>;

/**
 * Each command's module is imported only when that command runs: `check` must not pay for the
 * server, the audit stores and the cloud SDKs at start-up (cold start is a product figure, see
 * docs/benchmarks.md).
 */
const COMMANDS: Record<string, () => Promise<Runner>> = {
  check: async () => (await import('./check-command.js')).runCheck,
  eval: async () => (await import('./eval-command.js')).runEval,
  serve: async () => (await import('./serve-command.js')).runServe,
  keys: async () => (await import('./keys-command.js')).runKeys,
  audit: async () => (await import('./audit-command.js')).runAudit,
};

async function usage(): Promise<string> {
  const [check, evaluate, serve, keys, audit] = await Promise.all([
    import('./check-command.js'),
    import('./eval-command.js'),
    import('./serve-command.js'),
    import('./keys-command.js'),
    import('./audit-command.js'),
  ]);
  const lines = [
    check.CHECK_USAGE,
    evaluate.EVAL_USAGE,
    serve.SERVE_USAGE,
    keys.KEYS_USAGE,
    audit.AUDIT_USAGE,
  ];
  return `ifas — interpretable face anti-spoofing\n\n${lines.join('\n')}`;
}

async function main(argv: string[]): Promise<number> {
  const io: Io = {
    out: (text: string) => process.stdout.write(`${text}\n`),
    write: (text: string) => process.stdout.write(text),
    err: (text: string) => process.stderr.write(`${text}\n`),
  };
  const [command, ...rest] = argv;
  const load =
    command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (load) {
    return (await load())(rest, io);
  }
  if (command === undefined || command === 'help' || command === '--help') {
    io.out(await usage());
    return command === undefined ? 2 : 0;
  }
  io.err(`unknown command ${command}\n${await usage()}`);
  return 2;
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
