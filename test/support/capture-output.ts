/**
 * Captures what a CLI command writes through its Output: whole lines in `out`/`err`; partial writes
 * (streamed rationale text) are joined to the next whole line, as a terminal would show them.
 */

import type { Output } from '../../src/cli/check-command.js';

export function capture(): {
  io: Output;
  out: string[];
  err: string[];
} {
  const out: string[] = [];
  const err: string[] = [];
  let partial = '';
  const io = {
    out: (t: string) => {
      out.push(partial + t);
      partial = '';
    },
    write: (t: string) => {
      partial += t;
    },
    err: (t: string) => err.push(t),
  };
  return { io, out, err };
}
