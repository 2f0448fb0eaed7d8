import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ReferenceStore } from '../../src/identity/reference-store.js';
import type { SqlDialect } from '../../src/store/sql-dialect.js';
import { realDialects } from '../support/sql-dialects.js';

const descriptor = Float32Array.from({ length: 128 }, (_, i) => Math.sin(i) / 8);
const reference = (model = 'dlib-resnet-face-v1') => ({
  model,
  descriptor,
  checkId: 'chk_enrol',
  enrolledAt: '2026-12-02T10:00:00.000Z',
});

const dialects = realDialects();

describe.each(dialects)('ReferenceStore on a real %s', (_name, open) => {
  it('keeps one encrypted descriptor per tenant and subject, and replaces it on re-enrolment', async () => {
    const db = await open();
    const store = await ReferenceStore.open(db, randomBytes(32));
    await store.put('acme', 'alice', reference());
    expect(await store.get('acme', 'alice')).toEqual(reference());
    expect(await store.get('globex', 'alice')).toBeNull();
    await store.put('acme', 'alice', { ...reference(), checkId: 'chk_again' });
    expect((await store.get('acme', 'alice'))?.checkId).toBe('chk_again');
    // Nothing readable at rest: the row holds no float of the descriptor in clear.
    const row = await db.get<{ ciphertext: string }>('SELECT ciphertext FROM face_references');
    const clear = Buffer.from(descriptor.buffer).toString('base64');
    expect(row?.ciphertext).not.toBe(clear);
  });

  it('stores only where there is none with replace: false, and of racing enrolments exactly one', async () => {
    const db = await open();
    const store = await ReferenceStore.open(db, randomBytes(32));
    const racers = await Promise.all(
      ['chk_a', 'chk_b', 'chk_c'].map((checkId) =>
        store.put('acme', 'carol', { ...reference(), checkId }, { replace: false }),
      ),
    );
    expect(racers.filter(Boolean)).toHaveLength(1);
    const winner = ['chk_a', 'chk_b', 'chk_c'][racers.indexOf(true)];
    expect((await store.get('acme', 'carol'))?.checkId).toBe(winner);
    expect(await store.put('acme', 'carol', { ...reference(), checkId: 'chk_d' })).toBe(true);
    expect((await store.get('acme', 'carol'))?.checkId).toBe('chk_d');
  });

  it('refuses a row moved to another subject and a wrong key', async () => {
    const db = await open();
    const key = randomBytes(32);
    const store = await ReferenceStore.open(db, key);
    await store.put('acme', 'alice', reference());
    await db.run("UPDATE face_references SET subject = 'mallory' WHERE subject = 'alice'");
    await expect(store.get('acme', 'mallory')).rejects.toThrow();
    const other = await ReferenceStore.open(db, randomBytes(32));
    await store.put('acme', 'bob', reference());
    await expect(other.get('acme', 'bob')).rejects.toThrow();
  });

  it('deletes and says whether there was something to delete', async () => {
    const store = await ReferenceStore.open(await open(), randomBytes(32));
    await store.put('acme', 'alice', reference());
    expect(await store.delete('acme', 'alice')).toBe(true);
    expect(await store.delete('acme', 'alice')).toBe(false);
    expect(await store.get('acme', 'alice')).toBeNull();
  });
});

it('refuses a key that is not 32 bytes', async () => {
  const [, sqlite] = dialects[0] as [string, () => Promise<SqlDialect>];
  await expect(ReferenceStore.open(await sqlite(), randomBytes(16))).rejects.toThrow(/32 bytes/);
});
