/**
 * Comparing shared secrets without leaking, through timing, how much of a guess was right: both
 * sides are hashed first so inputs of different lengths compare in the same time too.
 */

import { createHash, timingSafeEqual } from 'node:crypto';

export function secretsEqual(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
