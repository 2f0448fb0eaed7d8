/**
 * The attack medium a rationale names, found with SCF's keyword dictionary K organised by attack type
 * (docs/method.md §3). The medium named first in the text wins; at the same position
 * the longer phrase wins ("paper mask" is a mask, not a print).
 */

import attackKeywords from './attack-keywords.json' with { type: 'json' };

export const ATTACK_MEDIA = ['print', 'replay', 'mask', 'mannequin'] as const;
export type AttackMedium = (typeof ATTACK_MEDIA)[number];

/**
 * Keyword → medium (attack-keywords.json, also read by the Python SCF filter so training and runtime
 * name media alike). Multi-word phrases are matched as phrases; plurals are accepted.
 */
export const ATTACK_KEYWORDS: Readonly<Record<AttackMedium, readonly string[]>> = attackKeywords;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const PATTERNS: ReadonlyArray<{ medium: AttackMedium; pattern: RegExp }> = ATTACK_MEDIA.flatMap(
  (medium) =>
    ATTACK_KEYWORDS[medium].map((keyword) => ({
      medium,
      pattern: new RegExp(
        `(?<![\\p{L}\\p{N}])${escapeRegExp(keyword)}(?:e?s)?(?![\\p{L}\\p{N}])`,
        'iu',
      ),
    })),
);

/**
 * @example attackMediumOf('No. The face is shown on a phone screen.') // 'replay'
 */
export function attackMediumOf(text: string | null): AttackMedium | null {
  if (!text) {
    return null;
  }
  let best: { medium: AttackMedium; index: number; length: number } | null = null;
  for (const { medium, pattern } of PATTERNS) {
    const match = pattern.exec(text);
    if (!match) {
      continue;
    }
    const candidate = { medium, index: match.index, length: match[0].length };
    const earlier = best === null || candidate.index < best.index;
    const longerAtSamePlace =
      best !== null && candidate.index === best.index && candidate.length > best.length;
    if (earlier || longerAtSamePlace) {
      best = candidate;
    }
  }
  return best?.medium ?? null;
}
