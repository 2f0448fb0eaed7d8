import { generateKeyPairSync } from 'node:crypto';
import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileAnchorSink } from '../../src/audit/anchor-sink.js';
import { type Checkpoint, signCheckpoint } from '../../src/audit/checkpoint.js';

const { privateKey } = generateKeyPairSync('ed25519');
const head = (tenant: string, seq: number): Checkpoint =>
  signCheckpoint(
    {
      tenant,
      kind: 'head',
      seq,
      headHash: seq.toString(16).padStart(64, '0'),
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, seq)).toISOString(),
      purged: 0,
    },
    privateKey,
  );

describe('FileAnchorSink', () => {
  it('reads back the newest checkpoint per tenant, picking up lines appended since the last read', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'ifas-anchor-file-')), 'anchors.ndjson');
    const sink = new FileAnchorSink(path);
    expect(await sink.newest('acme')).toBeNull();
    await sink.publish(head('acme', 3));
    await sink.publish(head('globex', 1));
    expect(await sink.newest('acme')).toEqual(head('acme', 3));
    await sink.publish(head('acme', 7));
    // Another writer's torn line (a crash mid-append), then a whole line after it.
    await appendFile(path, '{"tenant":"acme","seq":9');
    expect((await sink.newest('acme'))?.seq).toBe(7);
    await appendFile(path, `\n${JSON.stringify(head('acme', 8))}\n`);
    expect((await sink.newest('acme'))?.seq).toBe(8);
    expect(await sink.tenants()).toEqual(['acme', 'globex']);
    // A file that shrank (replaced) is read again from the start.
    await writeFile(path, `${JSON.stringify(head('acme', 2))}\n`);
    expect((await sink.newest('acme'))?.seq).toBe(2);
    expect(await sink.tenants()).toEqual(['acme']);
  });
});
