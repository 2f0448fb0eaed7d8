import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { IfasEngine } from '../../src/inference/engine.js';
import { defaultModelDir } from '../../src/project-root.js';
import { SAMPLE_PORTRAIT } from '../support/fixtures.js';

describe('The shipped default model package', () => {
  it('verifies, loads and answers for the sample portrait, saying what kind of model it is', async () => {
    const engine = await IfasEngine.load(defaultModelDir());
    const result = await engine.check(await readFile(SAMPLE_PORTRAIT), {
      explain: 'always',
      maxNewTokens: 8,
    });
    expect(result.liveness).toBeGreaterThanOrEqual(0);
    expect(result.liveness).toBeLessThanOrEqual(1);
    expect(result.image).toEqual({ width: 512, height: 600, format: 'jpeg' });
    expect(engine.manifest.connector.type).toBe('gac');
    expect(engine.manifest.prompt.question).toBe('Is this photo of a real person?');
    if (engine.manifest.status !== 'production') {
      expect(engine.statusWarning).not.toBeNull();
    }
    await engine.dispose();
  });
});
