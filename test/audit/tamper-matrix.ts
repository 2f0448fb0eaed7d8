/**
 * The tamper matrix (bench/reliability/tamper-cases.ts) as tests, on whichever store the harness
 * opens: each attack must be detected as the case says.
 */

import { describe, expect, it } from 'vitest';
import {
  buildScene,
  editBody,
  type MatrixHarness,
  rechain,
  runTamperCase,
  TAMPER_CASES,
  verdictOf,
} from '../../bench/reliability/tamper-cases.js';

export type { MatrixHarness };

export function tamperMatrix(name: string, harness: MatrixHarness): void {
  describe(`${name}: tamper matrix`, () => {
    it('verifies the untouched chains against the anchored checkpoint', async () => {
      const s = await buildScene(harness);
      await expect(verdictOf(s)).resolves.toMatchObject({ ok: true, checked: 8 });
      await expect(verdictOf(s, 'globex')).resolves.toMatchObject({ ok: true, checked: 2 });
      expect((await verdictOf(s)).newestCommitment).toMatchObject({ seq: 6, kind: 'head' });
      await s.raw.close();
      await s.store.close();
    });

    it.each(TAMPER_CASES.map((c) => [c.name, c] as const))('detects: %s', async (_name, c) => {
      const outcome = await runTamperCase(harness, c);
      expect(outcome).toMatchObject({ ok: false, reason: c.expect.detectedAs });
      if ('purgeRefused' in c.expect) {
        expect(outcome).toMatchObject({ purgeRefused: true, recordsLeft: 8 });
      }
    });

    it('does not detect a rewrite inside the unsigned window (out of the threat model)', async () => {
      const s = await buildScene(harness);
      await editBody(s.raw, 8, (b) => {
        b.decision = 'live';
      });
      await s.raw.exec(
        "UPDATE audit_records SET decision = 'live' WHERE tenant = 'acme' AND seq = 8",
      );
      await rechain(s.raw, 'acme', 8);
      await expect(verdictOf(s)).resolves.toMatchObject({ ok: true });
      await s.raw.close();
      await s.store.close();
    });

    it('purges by the hashed time only what verifies, under a signed checkpoint', async () => {
      const s = await buildScene(harness);
      const outcome = await s.store.purgeBefore(new Date('2026-01-04T00:00:00Z'), s.privateKey);
      expect(outcome.checkpoints).toMatchObject([
        { tenant: 'acme', seq: 3, purged: 3 },
        { tenant: 'globex', seq: 2, purged: 2 },
      ]);
      await expect(verdictOf(s)).resolves.toMatchObject({ ok: true, checked: 5 });
      await s.raw.close();
      await s.store.close();
    });
  });
}
