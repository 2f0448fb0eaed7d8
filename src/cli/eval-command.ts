/**
 * `ifas eval --data DIR [--model DIR] [--no-detect] [--threshold X] [--json]`
 *
 * Runs the runtime over an evaluation folder (images + labels.jsonl, see src/eval/eval-folder.ts) and
 * prints the same PAD metrics as training/ifas/evaluate.py: at the model's threshold (fixed on dev) and,
 * labelled as the benchmark line's optimistic convention, at the folder's own EER threshold. Images the
 * face stage refuses (uncertain) are counted and left out of the metrics. The liveness is the package's
 * calibrated probability, so ECE is reported too. For the cross-simulator protocol, point --data at a
 * folder exported from the other simulator's set (training/ifas/data/export_split.py writes its name
 * into meta.json, which is echoed here).
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { readEvalFolder } from '../eval/eval-folder.js';
import { type EvalReport, type EvalSample, evaluate } from '../eval/metrics.js';
import { IfasEngine } from '../inference/engine.js';
import { defaultModelDir } from '../project-root.js';
import { describeError, type Output } from './check-command.js';
import { parseCommand } from './parse-command.js';

export const EVAL_USAGE =
  'usage: ifas eval --data DIR [--model DIR] [--no-detect] [--threshold X] [--json]';

const optionsSchema = z.object({
  data: z.string().min(1),
  model: z.string().min(1).optional(),
  'no-detect': z.boolean().default(false),
  threshold: z.coerce.number().min(0).max(1).optional(),
  json: z.boolean().default(false),
});

function percent(value: number): string {
  return `${(100 * value).toFixed(2)} %`;
}

function formatReport(title: string, report: EvalReport): string[] {
  const byType = Object.entries(report.apcerByType)
    .map(([type, value]) => `${type} ${percent(value)}`)
    .join(', ');
  return [
    `${title} (threshold ${report.threshold.toFixed(4)}):`,
    `  AUC ${percent(report.auc)}  EER ${percent(report.eer)}  HTER ${percent(report.hter)}  TPR@FPR=1% ${percent(report.tprAtFpr1)}  ECE ${report.ece.toFixed(4)}`,
    `  APCER ${percent(report.apcer)} (${byType})  BPCER ${percent(report.bpcer)}`,
  ];
}

const folderMetaSchema = z
  .object({ simulator: z.string().optional(), split: z.string().optional() })
  .passthrough();

/** The folder's optional meta.json (which simulator and split it was exported from); {} when absent. */
async function readFolderMeta(dir: string): Promise<z.infer<typeof folderMetaSchema>> {
  const text = await readFile(join(dir, 'meta.json'), 'utf8').catch(() => null);
  if (text === null) {
    return {};
  }
  const parsed = folderMetaSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : {};
}

export async function runEval(argv: string[], io: Output): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      data: { type: 'string' },
      model: { type: 'string' },
      'no-detect': { type: 'boolean' },
      threshold: { type: 'string' },
      json: { type: 'boolean' },
    },
    optionsSchema,
    EVAL_USAGE,
    io,
    false,
  );
  if (parsed === null) return 2;
  const opts = parsed.values;
  let engine: IfasEngine;
  try {
    const items = await readEvalFolder(opts.data);
    const folderMeta = await readFolderMeta(opts.data);
    engine = await IfasEngine.load(
      opts.model ?? defaultModelDir(),
      opts['no-detect'] ? { faceDetector: false } : {},
    );
    const warning = engine.statusWarning;
    if (warning) {
      io.err(`WARNING: ${warning}`);
    }
    const samples: EvalSample[] = [];
    const uncertain: Record<string, number> = {};
    for (const item of items) {
      const result = await engine.check(await readFile(item.path));
      if (result.liveness === null) {
        const reason = result.qualityReason ?? 'uncertain';
        uncertain[reason] = (uncertain[reason] ?? 0) + 1;
        continue;
      }
      samples.push({ score: result.liveness, label: item.label, type: item.type });
    }
    const threshold = opts.threshold ?? engine.manifest.threshold.value;
    const atModel = evaluate(samples, threshold);
    const atOwnEer = evaluate(samples, atModel.eerThreshold);
    const live = samples.filter((s) => s.label === 1).length;
    if (opts.json) {
      io.out(
        JSON.stringify(
          {
            model: engine.model,
            data: folderMeta,
            calibration: engine.manifest.calibration ?? null,
            samples: { live, attack: samples.length - live },
            uncertain,
            atModelThreshold: atModel,
            atOwnEerThreshold: atOwnEer,
          },
          null,
          2,
        ),
      );
    } else {
      io.out(
        `model ${engine.model.name} ${engine.model.version} (${engine.model.status}); ${samples.length} judged (${live} live, ${samples.length - live} attack); uncertain: ${JSON.stringify(uncertain)}`,
      );
      if (folderMeta.simulator) {
        io.out(`data: simulator ${folderMeta.simulator}, split ${folderMeta.split ?? '?'}`);
      }
      for (const line of [
        ...formatReport("at the model's threshold (fixed on dev)", atModel),
        ...formatReport(
          'at this set’s own EER threshold (benchmark convention, optimistic)',
          atOwnEer,
        ),
      ]) {
        io.out(line);
      }
    }
    await engine.dispose();
    return 0;
  } catch (error) {
    const { code, message } = describeError(error);
    io.err(`eval failed: ${code}: ${message}`);
    return 1;
  }
}
