/**
 * How often one session may ask for a preview: at most one per `minGapMs`, and at most `maxPerSession`
 * in its life, so a capture token cannot turn the detector into a free face-detection service. Kept in
 * this process's memory (a deployment with several API instances allows each instance its share); an
 * entry is forgotten once its session has expired.
 */

export interface PreviewLimits {
  minGapMs: number;
  maxPerSession: number;
}

export const DEFAULT_PREVIEW_LIMITS: PreviewLimits = { minGapMs: 400, maxPerSession: 1500 };

interface Seen {
  last: number;
  count: number;
  expiresAt: number;
}

export class PreviewLimiter {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly limits: PreviewLimits = DEFAULT_PREVIEW_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one preview for the session: null when allowed, else the milliseconds to wait. */
  take(sessionId: string, expiresAt: number): number | null {
    const now = this.now();
    this.forgetExpired(now);
    const entry = this.seen.get(sessionId);
    if (!entry) {
      this.seen.set(sessionId, { last: now, count: 1, expiresAt });
      return null;
    }
    if (entry.count >= this.limits.maxPerSession) return Math.max(0, expiresAt - now);
    const wait = entry.last + this.limits.minGapMs - now;
    if (wait > 0) return wait;
    entry.last = now;
    entry.count += 1;
    return null;
  }

  private forgetExpired(now: number): void {
    if (this.seen.size < 256) return;
    for (const [id, entry] of this.seen) if (entry.expiresAt <= now) this.seen.delete(id);
  }
}
