import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/cli/check-command.js';
import { capture } from '../support/capture-output.js';
import {
  copyTinyPackage,
  DLIB_FACES,
  FACE_32,
  SAMPLE_PORTRAIT,
  TINY_PACKAGE,
} from '../support/fixtures.js';

describe('Function: runCheck (ifas check)', () => {
  it('prints a decision with rationale and warns that the model is untrained', async () => {
    const { io, out, err } = capture();
    const code = await runCheck(
      [FACE_32, '--explain', '--no-detect', '--model', TINY_PACKAGE, '--max-tokens', '4'],
      io,
    );
    expect(code).toBe(0);
    expect(err.join('\n')).toMatch(/UNTRAINED/);
    expect(out.join('\n')).toMatch(/face-32\.png: (LIVE|SPOOF) +liveness 0\.\d{4}/);
    expect(out.join('\n')).toMatch(/face-32\.png: rationale: /);
    // Model text reaches the terminal without control characters (no escape-sequence injection);
    // this fixture's rationale starts with ESC.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    expect(out.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it('checks every file, reports bad ones by code and exits 1', async () => {
    const dir = await copyTinyPackage();
    const junk = join(dir, 'junk.jpg');
    await writeFile(junk, 'definitely not a jpeg');
    const { io, out } = capture();
    const code = await runCheck([junk, SAMPLE_PORTRAIT, '--json', '--model', TINY_PACKAGE], io);
    expect(code).toBe(1);
    const outcomes = JSON.parse(out.join('\n')) as Array<{
      file: string;
      error?: { code: string };
      result?: { decision: string };
    }>;
    expect(outcomes[0]?.error?.code).toBe('INPUT_NOT_AN_IMAGE');
    expect(outcomes[1]?.result?.decision).toMatch(/^(live|spoof)$/);
  });

  it('refuses a tampered model package', async () => {
    const dir = await copyTinyPackage();
    await appendFile(join(dir, 'vision_encoder.onnx'), 'x');
    const { io, err } = capture();
    expect(await runCheck([FACE_32, '--no-detect', '--model', dir], io)).toBe(1);
    expect(err.join('\n')).toMatch(/MODEL_FILE_TAMPERED/);
  });

  it('answers uncertain/multiple_faces for a group photo, uncertain/no_face without a face, and judges a portrait', async () => {
    const group = join(DLIB_FACES, '2008_002470.jpg');
    const dogs = join(DLIB_FACES, 'dogs.jpg');
    const { io, out } = capture();
    const code = await runCheck(
      [group, dogs, SAMPLE_PORTRAIT, '--json', '--model', TINY_PACKAGE],
      io,
    );
    expect(code).toBe(0);
    type Outcome = {
      result: {
        decision: string;
        qualityReason: string | null;
        face: unknown;
        liveness: number | null;
      };
    };
    const [g, d, p] = JSON.parse(out.join('\n')) as Outcome[];
    expect([g?.result.decision, g?.result.qualityReason]).toEqual(['uncertain', 'multiple_faces']);
    expect([d?.result.decision, d?.result.qualityReason]).toEqual(['uncertain', 'no_face']);
    expect(['live', 'spoof']).toContain(p?.result.decision);
    expect(p?.result.face).not.toBeNull();
    expect(p?.result.liveness).toEqual(expect.any(Number));
  });

  it('prints UNCERTAIN with the reason in text mode', async () => {
    const { io, out } = capture();
    await runCheck([join(DLIB_FACES, '2008_002470.jpg'), '--model', TINY_PACKAGE], io);
    expect(out.join('\n')).toMatch(/2008_002470\.jpg: UNCERTAIN +multiple_faces/);
  });

  it('judges the largest face of a group photo under --multiple-faces largest', async () => {
    const { io, out } = capture();
    const group = join(DLIB_FACES, '2008_002470.jpg');
    await runCheck([group, '--json', '--multiple-faces', 'largest', '--model', TINY_PACKAGE], io);
    type Outcome = { result: { decision: string; quality: { faceCount: number } } };
    const [g] = JSON.parse(out.join('\n')) as Outcome[];
    expect(['live', 'spoof']).toContain(g?.result.decision);
    expect(g?.result.quality.faceCount).toBe(6);
  });

  it.each([
    [[]],
    [['--threads', 'zero', FACE_32]],
    [['--provider', 'tpu', FACE_32]],
    [['--bogus', FACE_32]],
    [['--multiple-faces', 'some', FACE_32]],
  ])('answers usage errors with exit code 2: %j', async (argv) => {
    const { io, err } = capture();
    expect(await runCheck(argv, io)).toBe(2);
    expect(err.join('\n')).toMatch(/usage: ifas check/);
  });
});
