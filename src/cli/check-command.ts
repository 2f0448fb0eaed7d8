/**
 * `ifas check <image...> [--explain] [--json] [--model DIR] [--no-detect] [--multiple-faces P] …`
 *
 * Loads the model (and the face detector, unless --no-detect: images are already face crops) once
 * and checks each image in turn; a capture the gates refuse prints UNCERTAIN with its reason. A bad image is reported with its error code and
 * the next image is still checked; the exit code is 1 if any image failed, 2 for usage errors.
 */

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { AppError, InputFileNotFoundError, InternalError } from '../errors.js';
import type { CheckResult } from '../inference/check-result.js';
import { IfasEngine } from '../inference/engine.js';
import { defaultModelDir } from '../project-root.js';
import { parseCommand } from './parse-command.js';

export interface Output {
  /** A whole line. */
  out(text: string): void;
  /** Part of a line (streamed rationale text). */
  write(text: string): void;
  err(text: string): void;
}

const optionsSchema = z.object({
  explain: z.boolean().default(false),
  json: z.boolean().default(false),
  model: z.string().min(1).optional(),
  provider: z.enum(['cpu', 'cuda', 'auto']).default('cpu'),
  threads: z.coerce.number().int().positive().optional(),
  'max-tokens': z.coerce.number().int().min(0).max(4096).optional(),
  'no-detect': z.boolean().default(false),
  'multiple-faces': z.enum(['reject', 'largest']).default('reject'),
});

export const CHECK_USAGE =
  'usage: ifas check <image...> [--explain] [--json] [--model DIR] [--no-detect] [--multiple-faces reject|largest] [--provider cpu|cuda|auto] [--threads N] [--max-tokens N]';

type FileOutcome =
  | { file: string; result: CheckResult }
  | { file: string; error: { code: string; message: string } };

export function describeError(error: unknown): { code: string; message: string } {
  const known =
    error instanceof AppError
      ? error
      : error instanceof Error && 'code' in error && error.code === 'ENOENT'
        ? new InputFileNotFoundError('no such file')
        : new InternalError(error instanceof Error ? error.message : String(error));
  return { code: known.code, message: known.message };
}

/** Model text may hold any byte; a terminal must not receive control characters (escape sequences). */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
}

function headline(file: string, result: CheckResult): string {
  if (result.liveness === null) {
    return `${file}: UNCERTAIN  ${result.qualityReason ?? 'not judged'}`;
  }
  const answered = result.judgment === 'live' ? 'Yes' : 'No';
  return `${file}: ${result.decision.toUpperCase()}  liveness ${result.liveness.toFixed(4)} (threshold ${result.threshold.toFixed(4)}; model answered ${answered})`;
}

function details(result: CheckResult): string {
  const lines: string[] = [];
  if (result.rationale !== null) {
    lines.push(
      `  [stop: ${result.rationaleStopReason}] attack medium: ${result.attackMedium ?? 'none named'}`,
    );
  }
  if (result.face) {
    const { box, score, rollDegrees } = result.face;
    lines.push(
      `  face: ${Math.round(box.width)}×${Math.round(box.height)} px at (${Math.round(box.x)}, ${Math.round(box.y)}), score ${score.toFixed(2)}, roll ${rollDegrees.toFixed(1)}°`,
    );
  }
  const t = result.timings;
  lines.push(
    `  timings ms: decode ${t.decodeMs.toFixed(1)}, detect ${t.detectMs.toFixed(1)}, preprocess ${t.preprocessMs.toFixed(1)}, vision ${t.visionMs.toFixed(1)}, prefill ${t.prefillMs.toFixed(1)}, rationale ${t.rationaleMs.toFixed(1)}, total ${t.totalMs.toFixed(1)}`,
  );
  return lines.join('\n');
}

export async function runCheck(argv: string[], io: Output): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      explain: { type: 'boolean' },
      json: { type: 'boolean' },
      model: { type: 'string' },
      provider: { type: 'string' },
      threads: { type: 'string' },
      'max-tokens': { type: 'string' },
      'no-detect': { type: 'boolean' },
      'multiple-faces': { type: 'string' },
    },
    optionsSchema,
    CHECK_USAGE,
    io,
  );
  if (parsed === null) return 2;
  if (parsed.positionals.length === 0) {
    io.err(`no image given\n${CHECK_USAGE}`);
    return 2;
  }
  const opts = parsed.values;

  let engine: IfasEngine;
  try {
    engine = await IfasEngine.load(opts.model ?? defaultModelDir(), {
      executionProvider: opts.provider,
      ...(opts.threads === undefined ? {} : { intraOpThreads: opts.threads }),
      ...(opts['no-detect'] ? { faceDetector: false as const } : {}),
      face: { policy: { multipleFaces: opts['multiple-faces'] } },
    });
  } catch (error) {
    const { code, message } = describeError(error);
    io.err(`cannot load model: ${code}: ${message}`);
    return 1;
  }
  const warning = engine.statusWarning;
  if (warning) {
    io.err(`WARNING: ${warning}`);
  }
  const { model } = engine;
  if (!opts.json) {
    io.out(
      `model ${model.name} ${model.version} (${model.status}) sha256:${model.packageHash.slice(0, 16)} on ${model.executionProvider}`,
    );
  }

  const outcomes: FileOutcome[] = [];
  for (const file of parsed.positionals) {
    try {
      const bytes = await readFile(file);
      // In text mode the rationale streams as it is decoded, under a "rationale:" label.
      let streamed = false;
      const onText = (delta: string): void => {
        if (!streamed) {
          io.write(`${file}: rationale: `);
          streamed = true;
        }
        io.write(printable(delta));
      };
      const result = await engine.check(bytes, {
        explain: opts.explain ? 'always' : 'never',
        ...(opts['max-tokens'] === undefined ? {} : { maxNewTokens: opts['max-tokens'] }),
        ...(opts.json || !opts.explain ? {} : { onText }),
      });
      outcomes.push({ file, result });
      if (!opts.json) {
        if (opts.explain && result.liveness !== null) {
          io.out(streamed ? '' : `${file}: rationale: (empty)`);
        }
        io.out(headline(file, result));
        io.out(details(result));
      }
    } catch (error) {
      const described = describeError(error);
      outcomes.push({ file, error: described });
      if (!opts.json) {
        io.out(`${file}: ERROR ${described.code}: ${described.message}`);
      }
    }
  }
  if (opts.json) {
    io.out(JSON.stringify(outcomes, null, 2));
  }
  await engine.dispose();
  return outcomes.some((outcome) => 'error' in outcome) ? 1 : 0;
}
