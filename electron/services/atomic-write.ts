/**
 * Writes a file so that a crash or a full disk never leaves a half-written file in place of a good
 * one: write a temporary file beside it, fsync, rename over the target, fsync the folder.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function writeFileAtomic(target: string, content: string | Uint8Array, fsImpl: typeof fs = fs): void {
  const dir = path.dirname(target);
  fsImpl.mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | null = null;
  try {
    fd = fsImpl.openSync(temp, 'wx', 0o644);
    fsImpl.writeFileSync(fd, content);
    fsImpl.fsyncSync(fd);
    fsImpl.closeSync(fd);
    fd = null;
    fsImpl.renameSync(temp, target);
  } catch (error) {
    if (fd !== null) fsImpl.closeSync(fd);
    fsImpl.rmSync(temp, { force: true });
    throw error;
  }
  try {
    const dirFd = fsImpl.openSync(dir, 'r');
    fsImpl.fsyncSync(dirFd);
    fsImpl.closeSync(dirFd);
  } catch {
    // Some platforms (Windows) cannot fsync a folder; the rename itself is atomic there.
  }
}
