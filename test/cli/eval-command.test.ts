import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { runEval } from '../../src/cli/eval-command.js';
import type { evaluate } from '../../src/eval/metrics.js';
import { capture } from '../support/capture-output.js';
import { FACE_32, TINY_PACKAGE } from '../support/fixtures.js';

async function evalFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ifas-eval-'));
  await copyFile(FACE_32, join(dir, 'live-1.png'));
  await sharp(FACE_32).flop().png().toFile(join(dir, 'live-2.png'));
  await sharp(FACE_32).linear(0.7, 40).png().toFile(join(dir, 'print-1.png'));
  await sharp(FACE_32).modulate({ saturation: 0.3 }).png().toFile(join(dir, 'replay-1.png'));
  const labels = [
    { file: 'live-1.png', label: 'live' },
    { file: 'live-2.png', label: 'live' },
    { file: 'print-1.png', label: 'attack', type: 'print' },
    { file: 'replay-1.png', label: 'attack', type: 'replay' },
  ];
  await writeFile(join(dir, 'labels.jsonl'), labels.map((l) => JSON.stringify(l)).join('\n'));
  return dir;
}

describe('Function: runEval (ifas eval)', () => {
  it('scores every image and reports the PAD metrics at the model threshold and at the set’s EER', async () => {
    const dir = await evalFolder();
    const { io, out } = capture();
    const code = await runEval(
      ['--data', dir, '--model', TINY_PACKAGE, '--no-detect', '--json'],
      io,
    );
    expect(code).toBe(0);
    const report = JSON.parse(out.join('\n')) as {
      samples: { live: number; attack: number };
      atModelThreshold: ReturnType<typeof evaluate>;
      atOwnEerThreshold: ReturnType<typeof evaluate>;
    };
    expect(report.samples).toEqual({ live: 2, attack: 2 });
    expect(Object.keys(report.atModelThreshold.apcerByType)).toEqual(['print', 'replay']);
    expect(report.atOwnEerThreshold.threshold).toBe(report.atModelThreshold.eerThreshold);
    expect(report.atModelThreshold.auc).toBeGreaterThanOrEqual(0);
  });

  it('prints a readable report', async () => {
    const { io, out } = capture();
    await runEval(['--data', await evalFolder(), '--model', TINY_PACKAGE, '--no-detect'], io);
    expect(out.join('\n')).toMatch(/AUC .* EER .* HTER .* TPR@FPR=1% .* ECE \d\.\d{4}/);
  });

  it('names the simulator an exported folder came from (cross-simulator protocol)', async () => {
    const dir = await evalFolder();
    await writeFile(join(dir, 'meta.json'), JSON.stringify({ simulator: 'b', split: 'test' }));
    const json = capture();
    await runEval(['--data', dir, '--model', TINY_PACKAGE, '--no-detect', '--json'], json.io);
    const report = JSON.parse(json.out.join('\n')) as { data: { simulator?: string } };
    expect(report.data.simulator).toBe('b');
    const text = capture();
    await runEval(['--data', dir, '--model', TINY_PACKAGE, '--no-detect'], text.io);
    expect(text.out.join('\n')).toContain('data: simulator b, split test');
  });

  it('rejects a malformed labels file with a typed error and exit code 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ifas-eval-bad-'));
    await writeFile(join(dir, 'labels.jsonl'), '{"file": "../escape.png", "label": "live"}\n');
    const { io, err } = capture();
    expect(await runEval(['--data', dir, '--model', TINY_PACKAGE], io)).toBe(1);
    expect(err.join('\n')).toMatch(/INPUT_INVALID/);
  });

  it('answers usage errors with exit code 2', async () => {
    const { io } = capture();
    expect(await runEval(['--threshold', '3'], io)).toBe(2);
  });
});
