/**
 * Opt-in retention of the checked image, for deployments whose policy requires audit images
 * (IFAS_RETAIN_IMAGES_KEY): AES-256-GCM with a fresh nonce per image and the tenant and check id as
 * associated data, so a ciphertext cannot be replayed under another check. Images expire after a
 * set number of days and are purged with the retention job. Without the key nothing is kept.
 */

import { openAesGcm, requireAes256Key, sealAesGcm } from '../crypto/aead.js';

export interface RetainedImage {
  tenant: string;
  checkId: string;
  format: string;
  expiresAt: string;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

const MEDIA_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

export function mediaTypeOf(format: string): string {
  return MEDIA_TYPES[format] ?? 'application/octet-stream';
}

export class ImageVault {
  constructor(
    private readonly key: Buffer,
    readonly retentionDays: number,
  ) {
    requireAes256Key(key, 'the image retention key');
  }

  private static associatedData(tenant: string, checkId: string): Buffer {
    return Buffer.from(JSON.stringify([tenant, checkId]));
  }

  seal(
    tenant: string,
    checkId: string,
    format: string,
    image: Uint8Array,
    now = new Date(),
  ): RetainedImage {
    return {
      tenant,
      checkId,
      format,
      expiresAt: new Date(now.getTime() + this.retentionDays * 86_400_000).toISOString(),
      ...sealAesGcm(this.key, ImageVault.associatedData(tenant, checkId), image),
    };
  }

  /** The image bytes; throws when the ciphertext, tag, tenant or check id was altered. */
  open(sealed: RetainedImage): Buffer {
    return openAesGcm(this.key, ImageVault.associatedData(sealed.tenant, sealed.checkId), sealed);
  }
}
