import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/audit-record.js';
import { attemptMatch, decideAttempt } from '../../src/sessions/session-verdict.js';

function frame(decision: AuditRecord['decision'], extra: Partial<AuditRecord> = {}): AuditRecord {
  return {
    checkId: `chk_${Math.random().toString(36).slice(2)}`,
    decision,
    liveness: decision === 'live' ? 0.9 : decision === 'spoof' ? 0.1 : null,
    rationale: decision === 'spoof' ? 'No. A printed photo.' : null,
    attackMedium: decision === 'spoof' ? 'print' : null,
    qualityReason: decision === 'uncertain' ? 'too_dark' : null,
    ...extra,
  } as AuditRecord;
}

const clean = { replayed: false, static: false };

describe('decideAttempt', () => {
  it('passes only when every frame is live and no defence fired', () => {
    const verdict = decideAttempt([frame('live'), frame('live', { liveness: 0.7 })], clean, 2);
    expect(verdict).toMatchObject({
      decision: 'live',
      final: true,
      liveness: 0.7,
      client: { status: 'passed' },
    });
    expect(verdict.rationale).toMatch(/^Live\. 2 frame\(s\): 2 live\./);
  });

  it('fails replayed or static frames even when the model found them live', () => {
    for (const defences of [
      { replayed: true, static: false },
      { replayed: false, static: true },
    ]) {
      const verdict = decideAttempt([frame('live'), frame('live')], defences, 2);
      expect(verdict).toMatchObject({
        decision: 'spoof',
        final: true,
        client: { status: 'failed' },
      });
      expect(verdict.client.reason).toBeUndefined();
    }
    expect(decideAttempt([frame('live')], { replayed: true, static: true }, 2).reasons).toEqual([
      'replayed_capture',
      'static_frames',
    ]);
  });

  it('fails frames all judged spoof, with the model’s attack medium', () => {
    expect(decideAttempt([frame('spoof'), frame('spoof')], clean, 2)).toMatchObject({
      decision: 'spoof',
      attackMedium: 'print',
      client: { status: 'failed' },
    });
  });

  it('asks for a retry when frames disagree or a quality gate stopped one, until attempts run out', () => {
    expect(decideAttempt([frame('live'), frame('spoof')], clean, 1)).toMatchObject({
      decision: 'uncertain',
      reasons: ['frames_disagree'],
      final: false,
      client: { status: 'retry', reason: 'retake' },
    });
    expect(decideAttempt([frame('live'), frame('uncertain')], clean, 1)).toMatchObject({
      reasons: ['too_dark'],
      client: { status: 'retry', reason: 'too_dark' },
    });
    // A frame the model scored inside its uncertain band: no quality reason, no hint for the client.
    const band = frame('uncertain', { liveness: 0.5, qualityReason: null });
    expect(decideAttempt([frame('live'), band], clean, 1)).toMatchObject({
      decision: 'uncertain',
      reasons: ['score_uncertain'],
      liveness: 0.5,
      client: { status: 'retry', reason: 'retake' },
    });
    expect(decideAttempt([frame('live'), frame('spoof')], clean, 0)).toMatchObject({
      decision: 'uncertain',
      final: true,
      client: { status: 'failed', reason: 'attempts_exhausted' },
    });
  });
});

describe('the attempt against the enrolled reference face', () => {
  const matched = (score: number) => ({ match: { score, threshold: 0.5, matched: score >= 0.5 } });

  it('fails a live attempt whose frames are not all the subject’s face, told like a spoof', () => {
    const verdict = decideAttempt(
      [frame('live', matched(0.8)), frame('live', matched(0.3))],
      clean,
      2,
    );
    expect(verdict).toMatchObject({
      decision: 'live',
      final: true,
      match: { score: 0.3, matched: false },
      client: { status: 'failed' },
    });
    expect(verdict.client.reason).toBeUndefined();
    expect(verdict.reasons).toEqual(['face_mismatch']);
    expect(verdict.rationale).toMatch(/not the subject’s enrolled reference face/);
  });

  it('passes matched live frames, and has no match without a reference', () => {
    const verdict = decideAttempt(
      [frame('live', matched(0.7)), frame('live', matched(0.9))],
      clean,
      2,
    );
    expect(verdict).toMatchObject({
      match: { score: 0.7, matched: true },
      client: { status: 'passed' },
    });
    expect(decideAttempt([frame('live')], clean, 2).match).toBeNull();
  });

  it('counts a frame without a match as unmatched when others carry one', () => {
    expect(attemptMatch([frame('live', matched(0.9)), frame('live')])).toEqual({
      score: 0.9,
      threshold: 0.5,
      matched: false,
    });
  });
});
