/**
 * How a session's attempt is decided from its frames and its defences, and what the untrusted client
 * is told. The session passes only when every frame was judged live, no defence fired and — where the
 * subject has an enrolled reference face — every frame matched it; frames that disagree, or a
 * capture-quality gate, ask for another attempt while attempts are left.
 */

import type { AuditRecord } from '../audit/audit-record.js';
import type { FaceMatch } from '../face/face-match.js';
import { QUALITY_REASONS } from '../face/quality-gates.js';

export type ClientStatus = 'passed' | 'retry' | 'failed';

export interface Defences {
  /** Some frame copies an earlier capture of the tenant. */
  replayed: boolean;
  /** Frames are one still image sent several times. */
  static: boolean;
}

export interface AttemptVerdict {
  decision: 'live' | 'spoof' | 'uncertain';
  reasons: string[];
  liveness: number | null;
  attackMedium: string | null;
  rationale: string;
  /** The frames against the enrolled reference (weakest score; matched only if all matched), or null. */
  match: FaceMatch | null;
  /** No further attempt may change it. */
  final: boolean;
  client: { status: ClientStatus; reason?: string };
}

const DEFENCE_SENTENCES: Record<string, string> = {
  replayed_capture: 'A frame matches a capture submitted earlier (a replayed or injected image).',
  static_frames: 'The frames are one still image sent several times, not a live camera stream.',
  frames_disagree: 'The frames do not agree: some were judged live and some not.',
  score_uncertain:
    'A frame scored in the model’s uncertain band, where live and attack overlapped on dev.',
  face_mismatch: 'The face is not the subject’s enrolled reference face.',
};

/**
 * One match for the attempt: null when no frame was matched (no reference enrolled); otherwise the
 * weakest frame's score, matched only when every frame carries a match and all of them matched.
 */
export function attemptMatch(frames: readonly AuditRecord[]): FaceMatch | null {
  const matches = frames.flatMap((frame) => (frame.match ? [frame.match] : []));
  const weakest = matches.reduce<FaceMatch | null>(
    (low, match) => (low === null || match.score < low.score ? match : low),
    null,
  );
  if (weakest === null) return null;
  const matched = matches.length === frames.length && matches.every((match) => match.matched);
  return { score: weakest.score, threshold: weakest.threshold, matched };
}

/** Quality reasons are safe to tell the person in front of the camera: they say how to retake, not how to fool. */
const CLIENT_HINTS = new Set<string>(QUALITY_REASONS);

export function decideAttempt(
  frames: readonly AuditRecord[],
  defences: Defences,
  attemptsLeft: number,
): AttemptVerdict {
  const reasons: string[] = [];
  if (defences.replayed) reasons.push('replayed_capture');
  if (defences.static) reasons.push('static_frames');
  const decisions = new Set(frames.map((frame) => frame.decision));
  const qualityReason = frames.find((frame) => frame.qualityReason !== null)?.qualityReason ?? null;
  let decision: AttemptVerdict['decision'];
  if (reasons.length > 0) {
    decision = 'spoof';
  } else if (decisions.size === 1 && decisions.has('live')) {
    decision = 'live';
  } else if (decisions.size === 1 && decisions.has('spoof')) {
    decision = 'spoof';
  } else {
    decision = 'uncertain';
    // An uncertain frame without a quality reason scored inside the model's dev-set uncertain band.
    reasons.push(
      qualityReason ?? (decisions.has('uncertain') ? 'score_uncertain' : 'frames_disagree'),
    );
  }
  const livenesses = frames.map((frame) => frame.liveness);
  const liveness = livenesses.some((value) => value === null)
    ? null
    : Math.min(...(livenesses as number[]));
  const match = attemptMatch(frames);
  // A live face that is not the account's is told `failed`, like a spoof: no hint for the attacker.
  const mismatch = decision === 'live' && match !== null && !match.matched;
  if (mismatch) reasons.push('face_mismatch');
  const final = decision !== 'uncertain' || attemptsLeft === 0;
  let client: AttemptVerdict['client'];
  if (mismatch) client = { status: 'failed' };
  else if (decision === 'live') client = { status: 'passed' };
  else if (decision === 'spoof') client = { status: 'failed' };
  else if (final) client = { status: 'failed', reason: 'attempts_exhausted' };
  else {
    const hint = reasons[0] ?? 'frames_disagree';
    client = { status: 'retry', reason: CLIENT_HINTS.has(hint) ? hint : 'retake' };
  }
  return {
    decision,
    reasons,
    liveness,
    attackMedium: frames.find((frame) => frame.attackMedium !== null)?.attackMedium ?? null,
    rationale: rationaleFor(decision, frames, reasons),
    match,
    final,
    client,
  };
}

/** For the operator: the session's reasons first, then what the model said of each frame. */
function rationaleFor(
  decision: AttemptVerdict['decision'],
  frames: readonly AuditRecord[],
  reasons: readonly string[],
): string {
  const counts = (['live', 'spoof', 'uncertain'] as const)
    .map((kind) => [kind, frames.filter((frame) => frame.decision === kind).length] as const)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
  const lines = [
    `${decision[0]?.toUpperCase()}${decision.slice(1)}. ${frames.length} frame(s): ${counts}.`,
  ];
  for (const reason of reasons) {
    const sentence = DEFENCE_SENTENCES[reason];
    if (sentence) lines.push(sentence);
  }
  frames.forEach((frame, index) => {
    const score = frame.liveness === null ? 'not judged' : `liveness ${frame.liveness.toFixed(3)}`;
    lines.push(
      `Frame ${index + 1} (${frame.checkId}, ${score}): ${frame.rationale ?? frame.decision}`,
    );
  });
  return lines.join('\n');
}
