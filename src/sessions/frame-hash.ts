/**
 * Comparing frame difference hashes (dHash) without decoding anything: the session store looks up
 * near copies with these and must not load the image codec (the Cognito triggers import the store).
 */

/** Bits that differ between two 16-hex-digit hashes. */
export function hammingDistance(a: string, b: string): number {
  let diff = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (diff > 0n) {
    count += Number(diff & 1n);
    diff >>= 1n;
  }
  return count;
}

/** The four 16-bit bands of a dHash: a hash within 3 bits of another shares at least one band. */
export function dhashBands(dhash: string): [string, string, string, string] {
  return [dhash.slice(0, 4), dhash.slice(4, 8), dhash.slice(8, 12), dhash.slice(12, 16)];
}
