import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ImageVault, type RetainedImage } from '../../src/audit/image-vault.js';

describe('Class: ImageVault', () => {
  const vault = new ImageVault(randomBytes(32), 7);
  const image = randomBytes(1000);

  it('round-trips an image and never stores it in the clear', () => {
    const sealed = vault.seal('acme', 'chk_1', 'jpeg', image, new Date('2026-11-28T00:00:00Z'));
    expect(sealed.expiresAt).toBe('2026-12-05T00:00:00.000Z');
    expect(sealed.ciphertext.includes(image.subarray(0, 32))).toBe(false);
    expect(vault.open(sealed).equals(image)).toBe(true);
  });

  it.each<[string, Partial<RetainedImage> | 'flip']>([
    ['another tenant', { tenant: 'globex' }],
    ['another check', { checkId: 'chk_2' }],
    ['a flipped ciphertext bit', 'flip'],
  ])('refuses to open a sealed image moved to %s', (_case, change) => {
    const sealed = vault.seal('acme', 'chk_1', 'jpeg', image);
    if (change === 'flip') {
      sealed.ciphertext[0] = (sealed.ciphertext[0] ?? 0) ^ 1;
      expect(() => vault.open(sealed)).toThrow();
    } else {
      expect(() => vault.open({ ...sealed, ...change })).toThrow();
    }
  });

  it('refuses a key of the wrong length and another key', () => {
    expect(() => new ImageVault(randomBytes(16), 7)).toThrow(/32 bytes/);
    const sealed = vault.seal('acme', 'chk_1', 'jpeg', image);
    expect(() => new ImageVault(randomBytes(32), 7).open(sealed)).toThrow();
  });
});
