/**
 * A record of package files whose SHA-256 was verified, so that a restart does not re-hash an
 * unchanged package (cold start is a product figure: docs/benchmarks.md).
 *
 * A file is vouched for only when its expected hash AND its whole stat identity match what was
 * recorded right after it was hashed: device, inode, size, mtime and ctime in nanoseconds. Rewriting
 * a file, replacing it (new inode) or restoring its mtime with utimes all change ctime, which no
 * unprivileged process can set back, so tampering with the package after the record was written is
 * still caught by a cached start.
 *
 * Where it lives, and what it does not protect against: by default in the user's cache directory
 * (~/.cache/ifas-guard/verified-files.json), not in the package — a package may be a read-only
 * image or shared by several users. The folder is created 0700 and the file written 0600; a record
 * owned by another user or writable by group/others is ignored. Whoever can write the record can
 * vouch for a tampered file; that is the same user that runs the service (and could change its
 * code), so the record adds no new trust. `--verify` (`trust: false`) hashes every file regardless
 * and rewrites the record. Saving is best-effort: a read-only home (Lambda) only loses the speed-up.
 */

import type { BigIntStats } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';

const entrySchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  dev: z.string(),
  ino: z.string(),
  size: z.string(),
  mtimeNs: z.string(),
  ctimeNs: z.string(),
});
type Entry = z.infer<typeof entrySchema>;

const recordSchema = z.object({
  version: z.literal(1),
  files: z.record(z.string(), entrySchema),
});

/** Entries kept, most recently verified last: temporary package copies must not grow the file forever. */
export const MAX_RECORDED_FILES = 512;

export function defaultVerifiedFilesCacheFile(): string {
  return join(homedir(), '.cache', 'ifas-guard', 'verified-files.json');
}

function identity(info: BigIntStats, sha256: string): Entry {
  return {
    sha256,
    dev: info.dev.toString(),
    ino: info.ino.toString(),
    size: info.size.toString(),
    mtimeNs: info.mtimeNs.toString(),
    ctimeNs: info.ctimeNs.toString(),
  };
}

function sameIdentity(a: Entry, b: Entry): boolean {
  return (
    a.sha256 === b.sha256 &&
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs
  );
}

export class VerifiedFilesCache {
  private dirty = false;

  private constructor(
    readonly file: string,
    private readonly trust: boolean,
    private readonly files: Record<string, Entry>,
  ) {}

  /**
   * Reads the record (an unreadable, foreign, loosely permitted or malformed one counts as empty).
   * `trust: false` never vouches for a file, but still records what it verifies (`--verify`).
   */
  static async open(
    file: string = defaultVerifiedFilesCacheFile(),
    options: { trust?: boolean } = {},
  ): Promise<VerifiedFilesCache> {
    const trust = options.trust ?? true;
    return new VerifiedFilesCache(file, trust, trust ? await readRecord(file) : {});
  }

  /** True when `path` (absolute) was verified against `sha256` and has not changed since. */
  vouches(path: string, sha256: string, info: BigIntStats): boolean {
    const entry = this.files[path];
    return this.trust && entry !== undefined && sameIdentity(entry, identity(info, sha256));
  }

  /** Notes that `path` hashed to `sha256` while it had the stat `info` (taken before hashing). */
  record(path: string, sha256: string, info: BigIntStats): void {
    delete this.files[path]; // re-inserted last: the oldest entries are dropped first
    this.files[path] = identity(info, sha256);
    const paths = Object.keys(this.files);
    for (const stale of paths.slice(0, Math.max(0, paths.length - MAX_RECORDED_FILES))) {
      delete this.files[stale];
    }
    this.dirty = true;
  }

  /** Writes the record atomically (temp file + rename); failures only cost the next start time. */
  async save(): Promise<void> {
    if (!this.dirty) {
      return;
    }
    this.dirty = false;
    const temp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    try {
      await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
      await writeFile(temp, JSON.stringify({ version: 1, files: this.files }), { mode: 0o600 });
      await rename(temp, this.file);
    } catch {
      // Best-effort by design (see the module comment).
    }
  }
}

async function readRecord(file: string): Promise<Record<string, Entry>> {
  try {
    const info = await stat(file);
    const foreign = typeof process.getuid === 'function' && info.uid !== process.getuid();
    if (foreign || (info.mode & 0o022) !== 0) {
      return {};
    }
    const parsed = recordSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data.files : {};
  } catch {
    return {};
  }
}
