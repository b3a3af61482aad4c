/** Small filesystem helpers shared by the writer, the sealer and the readers. */
import { open } from 'node:fs/promises';

/** The `code` of a Node system error (`'ENOENT'`, `'ENOSPC'`...), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null
    ? ((err as NodeJS.ErrnoException).code ?? undefined)
    : undefined;
}

/**
 * Fsyncs a directory so that a file created, renamed or removed in it survives a power loss.
 * Some platforms (Windows) cannot open a directory; there the call is a no-op.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw err;
  } finally {
    await fh?.close();
  }
}
