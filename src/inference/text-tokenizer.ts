/**
 * Loads the package's tokenizer.json with @huggingface/tokenizers and checks it against the manifest:
 * the prompt must encode to the manifest's ids and each judgment word must be its listed single token,
 * so the TypeScript runtime and the Python trainer provably agree on the prompt.
 */

import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelPackageError } from '../errors.js';
import type { Manifest } from '../model/manifest.js';

export class TextTokenizer {
  private constructor(private readonly tokenizer: Tokenizer) {}

  static async load(file: string, manifest: Manifest): Promise<TextTokenizer> {
    let json: object;
    try {
      json = JSON.parse(await readFile(file, 'utf8')) as object;
    } catch (error) {
      throw new ModelPackageError('MODEL_LOAD_FAILED', 'tokenizer.json is unreadable', {
        cause: error,
      });
    }
    const tokenizer = new TextTokenizer(
      new Tokenizer(json, {
        bos_token: null,
        eos_token: null,
        add_bos_token: false,
        add_eos_token: false,
        clean_up_tokenization_spaces: false,
      }),
    );
    tokenizer.checkAgainst(manifest);
    return tokenizer;
  }

  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: true });
  }

  private checkAgainst(manifest: Manifest): void {
    const { template, imagePlaceholder, suffixIds } = manifest.prompt;
    const suffixText = template.slice(template.indexOf(imagePlaceholder) + imagePlaceholder.length);
    const encodedSuffix = this.encode(suffixText);
    if (encodedSuffix.join(',') !== suffixIds.join(',')) {
      throw new ModelPackageError(
        'MODEL_MANIFEST_INVALID',
        'tokenizer.json does not encode the prompt to the manifest suffixIds',
        { details: { expected: suffixIds.length, actual: encodedSuffix.length } },
      );
    }
    for (const { word, tokenId } of [manifest.judgment.live, manifest.judgment.spoof]) {
      const ids = this.encode(word);
      if (ids.length !== 1 || ids[0] !== tokenId) {
        throw new ModelPackageError(
          'MODEL_MANIFEST_INVALID',
          `judgment word ${JSON.stringify(word)} is not the single token ${tokenId}`,
          { details: { word, tokenId, encoded: ids } },
        );
      }
    }
  }
}
