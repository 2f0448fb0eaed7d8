/**
 * Turns generated token ids into rationale text, streaming deltas as they become stable.
 *
 * The answer reads "<judgment word>. <rationale>"; the rationale is what follows the judgment word and
 * its punctuation. Byte-level tokens can split a UTF-8 character, so a delta is held back while the
 * decoded text ends in U+FFFD.
 */

import type { TextTokenizer } from './text-tokenizer.js';

const LEADING_PUNCTUATION = /^[\s.,:;!-]+/u;

export class RationaleText {
  private readonly ids: number[];
  private emitted = '';

  constructor(
    private readonly tokenizer: TextTokenizer,
    judgmentToken: number,
    private readonly onText?: ((delta: string) => void) | undefined,
  ) {
    this.ids = [judgmentToken];
  }

  push(id: number): void {
    this.ids.push(id);
    const text = this.current();
    if (text.endsWith('\uFFFD') || !text.startsWith(this.emitted)) {
      return;
    }
    const delta = text.slice(this.emitted.length);
    if (delta.length > 0) {
      this.emitted = text;
      this.onText?.(delta);
    }
  }

  /** The whole rationale; flushes whatever was held back. */
  finish(): string {
    const text = this.current();
    if (text.startsWith(this.emitted) && text.length > this.emitted.length) {
      this.onText?.(text.slice(this.emitted.length));
    }
    this.emitted = text;
    return text;
  }

  private current(): string {
    const judgmentWord = this.tokenizer.decode(this.ids.slice(0, 1));
    const answer = this.tokenizer.decode(this.ids);
    const afterWord = answer.startsWith(judgmentWord) ? answer.slice(judgmentWord.length) : answer;
    return afterWord.replace(LEADING_PUNCTUATION, '').trimEnd();
  }
}
