/**
 * An evaluation folder: images plus labels.jsonl, one JSON object per line
 * {"file": "00001-print.png", "label": "live" | "attack", "type": "print"} (type defaults to the
 * label). Written by training/ifas/data/export_split.py or by hand; validated with zod line by line.
 */

import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../errors.js';

const lineSchema = z.object({
  file: z
    .string()
    .min(1)
    .refine(
      (f) => !normalize(f).startsWith('..') && !f.startsWith('/'),
      'must stay inside the folder',
    ),
  label: z.enum(['live', 'attack']),
  type: z.string().min(1).optional(),
});

export interface EvalItem {
  path: string;
  label: 0 | 1;
  type: string;
}

export async function readEvalFolder(dir: string): Promise<EvalItem[]> {
  const text = await readFile(join(dir, 'labels.jsonl'), 'utf8').catch((error: unknown) => {
    throw new ValidationError(`no readable labels.jsonl in ${dir}`, { cause: error });
  });
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch (error) {
        throw new ValidationError(`labels.jsonl line ${index + 1} is not JSON`, { cause: error });
      }
      const parsed = lineSchema.safeParse(json);
      if (!parsed.success) {
        throw new ValidationError(
          `labels.jsonl line ${index + 1}: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
        );
      }
      const { file, label, type } = parsed.data;
      return { path: join(dir, file), label: label === 'live' ? 1 : 0, type: type ?? label };
    });
}
