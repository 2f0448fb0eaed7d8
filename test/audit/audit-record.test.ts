import { createHmac } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRecordFor } from '../../src/audit/audit-record.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-audit-store.js';
import { IfasEngine } from '../../src/inference/engine.js';
import { FACE_32, TINY_PACKAGE } from '../support/fixtures.js';

const CALLER = { kind: 'api-key' as const, id: '0123456789abcdef' };

let engine: IfasEngine;
beforeAll(async () => {
  engine = await IfasEngine.load(TINY_PACKAGE, { faceDetector: false });
});
afterAll(async () => {
  await engine.dispose();
});

describe('Function: auditRecordFor', () => {
  it('records the decision, rationale and exact model, the image only by its SHA-256', async () => {
    const image = await readFile(FACE_32);
    const result = await engine.check(image, { explain: 'always', maxNewTokens: 4 });
    const record = auditRecordFor(result, image, {
      checkId: 'chk_1',
      tenant: 'acme',
      subject: 'user-42',
      subjectPolicy: { kind: 'plain' },
      requestId: 'req-1',
      clientRequestId: null,
      explain: 'always',
      caller: CALLER,
      now: new Date('2026-11-28T10:00:00Z'),
    });
    expect(record).toMatchObject({
      checkId: 'chk_1',
      tenant: 'acme',
      subject: 'user-42',
      decision: result.decision,
    });
    expect(record.model.packageHash).toBe(engine.model.packageHash);
    expect(record.imageSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(record)).not.toContain(image.toString('base64').slice(0, 40));
  });

  it('stores a keyed hash of the subject when the policy says so', async () => {
    const image = await readFile(FACE_32);
    const key = Buffer.from('auditor-secret');
    const record = auditRecordFor(await engine.check(image), image, {
      checkId: 'chk_2',
      tenant: 'acme',
      subject: 'user-42',
      subjectPolicy: { kind: 'keyed-hash', key },
      requestId: null,
      clientRequestId: 'client-7',
      explain: 'never',
      caller: CALLER,
    });
    expect(record.subject).toBe(createHmac('sha256', key).update('user-42').digest('hex'));
    expect(record.subjectPolicy).toBe('keyed-hash');
  });

  it('chains into the SQLite store and verifies', async () => {
    const image = await readFile(FACE_32);
    const audit = new SqliteAuditStore(
      join(await mkdtemp(join(tmpdir(), 'ifas-audit-')), 'a.sqlite'),
    );
    for (const checkId of ['chk_a', 'chk_b']) {
      const record = auditRecordFor(await engine.check(image), image, {
        checkId,
        tenant: 'acme',
        subject: null,
        subjectPolicy: { kind: 'plain' },
        requestId: null,
        clientRequestId: null,
        explain: 'auto',
        caller: CALLER,
      });
      await audit.append(record);
    }
    expect((await audit.verify('acme')).ok).toBe(true);
    const [, second] = await audit.query({ tenant: 'acme', limit: 10 });
    expect(second?.record).toMatchObject({ checkId: 'chk_b', subjectPolicy: 'absent' });
    await audit.close();
  });

  it("explains a quality-gate decision with the gate's sentence unless told never to explain", async () => {
    const dark = await sharp({
      create: { width: 64, height: 64, channels: 3, background: '#050505' },
    })
      .png()
      .toBuffer();
    const gated = await IfasEngine.load(TINY_PACKAGE);
    const result = await gated.check(dark);
    await gated.dispose();
    expect(result.decision).toBe('uncertain');
    const context = {
      checkId: 'chk_q',
      tenant: 'acme',
      subject: null,
      subjectPolicy: { kind: 'plain' as const },
      requestId: null,
      clientRequestId: null,
      caller: CALLER,
    };
    expect(auditRecordFor(result, dark, { ...context, explain: 'auto' })).toMatchObject({
      rationaleSource: 'quality-gate',
      rationale: expect.stringMatching(/^Uncertain\. /),
    });
    expect(auditRecordFor(result, dark, { ...context, explain: 'never' })).toMatchObject({
      rationale: null,
      rationaleSource: null,
    });
  });
});
