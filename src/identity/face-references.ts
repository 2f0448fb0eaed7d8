/**
 * Reference faces of subjects: enrol one from a live check, remove it, and compare a checked face with
 * it. The descriptor comes from the face the liveness check judged (its detector keypoints), so the
 * face that was found live is exactly the face that is matched.
 */

import { type SubjectPolicy, subjectValue } from '../audit/audit-record.js';
import { type IdentityConfig, requiresReference } from '../config/identity-config.js';
import type { Point } from '../face/decode-detections.js';
import { cosineSimilarity, type FaceEmbedder } from '../face/face-embedder.js';
import type { FaceMatch } from '../face/face-match.js';
import { type DecodedImage, decodeImage } from '../image/decode-image.js';
import type { ReferenceFace, ReferenceStore } from './reference-store.js';

export interface JudgedFace {
  /** Detector keypoints in source-image pixels. */
  keypoints: Record<string, Point>;
}

/** The pixels a check decoded (the engine hands them out through `onDecoded`). */
export type DecodedPhoto = DecodedImage;
/** A photo as bytes, or as the decoded pixels of the check that judged it. */
export type PhotoInput = Uint8Array | DecodedPhoto;

export class FaceReferences {
  constructor(
    private readonly embedder: FaceEmbedder,
    private readonly store: ReferenceStore,
    private readonly subjectPolicy: SubjectPolicy,
    private readonly config: IdentityConfig,
    private readonly maxPixels?: number,
  ) {}

  get threshold(): number {
    return this.config.threshold ?? this.embedder.threshold;
  }

  get model(): string {
    return this.embedder.manifest.name;
  }

  requireReference(tenant: string): boolean {
    return requiresReference(this.config, tenant);
  }

  /** The subject as the audit log stores it for this tenant (keyed hashes use the tenant's key). */
  private key(tenant: string, subject: string): string {
    return subjectValue(subject, this.subjectPolicy, tenant) as string;
  }

  /** `image`: the photo's bytes, or its pixels as the check already decoded them (no second decode). */
  private async descriptorOf(image: PhotoInput, face: JudgedFace): Promise<Float32Array> {
    const decoded =
      image instanceof Uint8Array
        ? await decodeImage(
            image,
            this.maxPixels === undefined ? {} : { maxPixels: this.maxPixels },
          )
        : image;
    return this.embedder.embed(decoded, face.keypoints);
  }

  /** Stores the face of a live check as the subject's reference (replacing an earlier one). */
  async enrol(
    tenant: string,
    subject: string,
    image: PhotoInput,
    face: JudgedFace,
    checkId: string,
    now = new Date(),
  ): Promise<ReferenceFace> {
    const reference = await this.enrolStored(
      tenant,
      this.key(tenant, subject),
      image,
      face,
      checkId,
      now,
    );
    if (!reference) throw new TypeError('a replacing enrolment always stores');
    return reference;
  }

  /**
   * The same, for a subject already in its stored form (an enrol session keeps only that). With
   * `replace: false` it stores only where the subject has no reference yet, atomically, and answers
   * null when one was there.
   */
  async enrolStored(
    tenant: string,
    storedSubject: string,
    image: PhotoInput,
    face: JudgedFace,
    checkId: string,
    now = new Date(),
    { replace = true }: { replace?: boolean } = {},
  ): Promise<ReferenceFace | null> {
    const reference: ReferenceFace = {
      model: this.model,
      descriptor: await this.descriptorOf(image, face),
      checkId,
      enrolledAt: now.toISOString(),
    };
    return (await this.store.put(tenant, storedSubject, reference, { replace })) ? reference : null;
  }

  /** The subject's reference as it is now (stored form), to put back with `restoreStored`. */
  async snapshotStored(tenant: string, storedSubject: string): Promise<ReferenceFace | null> {
    return this.store.get(tenant, storedSubject);
  }

  /** Puts a snapshot back: the earlier reference, or none. */
  async restoreStored(
    tenant: string,
    storedSubject: string,
    snapshot: ReferenceFace | null,
  ): Promise<void> {
    if (snapshot) await this.store.put(tenant, storedSubject, snapshot);
    else await this.store.delete(tenant, storedSubject);
  }

  async remove(tenant: string, subject: string): Promise<boolean> {
    return this.store.delete(tenant, this.key(tenant, subject));
  }

  async has(tenant: string, subject: string): Promise<boolean> {
    return this.hasStored(tenant, this.key(tenant, subject));
  }

  async hasStored(tenant: string, storedSubject: string): Promise<boolean> {
    return (await this.store.get(tenant, storedSubject)) !== null;
  }

  /** The match of this face against the subject's reference; null when none is enrolled. */
  async match(
    tenant: string,
    subject: string,
    image: PhotoInput,
    face: JudgedFace,
  ): Promise<FaceMatch | null> {
    return this.matchStored(tenant, this.key(tenant, subject), image, face);
  }

  /** The same, for a subject already in its stored form (a liveness session keeps only that). */
  async matchStored(
    tenant: string,
    storedSubject: string,
    image: PhotoInput,
    face: JudgedFace,
  ): Promise<FaceMatch | null> {
    const reference = await this.store.get(tenant, storedSubject);
    if (!reference) return null;
    if (reference.model !== this.model) {
      // A reference made by another embedding model cannot be compared; it must be re-enrolled.
      return { score: -1, threshold: this.threshold, matched: false };
    }
    const score = cosineSimilarity(await this.descriptorOf(image, face), reference.descriptor);
    const rounded = Math.max(-1, Math.min(1, Math.round(score * 1e4) / 1e4));
    return { score: rounded, threshold: this.threshold, matched: score >= this.threshold };
  }
}
