import fs from 'fs';
import path from 'path';
import { randomBytes } from 'crypto';
import type { PromiseFsClient } from 'isomorphic-git';

/**
 * The file system isomorphic-git writes a repository with, where every file
 * write is atomic: the content goes to a temporary file in `tmpDir` (inside
 * the repository, so on the same file system) and is renamed over the
 * target. isomorphic-git writes refs and loose objects in place, so without
 * this a reader (another replica's tracker, the cluster's git policy source)
 * could read a half-written ref, and a process killed mid-write would leave a
 * truncated object that the next writer of the same content skips as
 * present.
 */
export function atomicFs(tmpDir: string): PromiseFsClient {
  async function writeFile(
    target: string,
    data: string | Uint8Array,
    options?: fs.WriteFileOptions,
  ): Promise<void> {
    await fs.promises.mkdir(tmpDir, { recursive: true });
    const tmp = path.join(
      tmpDir,
      `${process.pid}-${randomBytes(8).toString('hex')}`,
    );
    await fs.promises.writeFile(tmp, data, options);
    try {
      await fs.promises.rename(tmp, target);
    } catch (error) {
      // e.g. the target's folder does not exist yet: isomorphic-git creates
      // it and writes again.
      await fs.promises.rm(tmp, { force: true });
      throw error;
    }
  }
  return { promises: { ...fs.promises, writeFile } } as PromiseFsClient;
}
