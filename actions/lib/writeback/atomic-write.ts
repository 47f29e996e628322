import { randomBytes } from 'node:crypto'
import { rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/**
 * Writes several files so that none is ever seen half-written: every new
 * content goes to a temporary file beside its target first, and only when all
 * of them are on disk are they renamed over the originals.
 */
export async function writeFilesAtomically(
  files: readonly { path: string; text: string }[],
): Promise<void> {
  const staged: { temporary: string; path: string }[] = []
  try {
    for (const file of files) {
      const temporary = join(
        dirname(file.path),
        `.${basename(file.path)}.golden-path-${randomBytes(4).toString('hex')}`,
      )
      const mode = (await stat(file.path)).mode & 0o7777
      await writeFile(temporary, file.text, { mode, flag: 'wx' })
      staged.push({ temporary, path: file.path })
    }
  } catch (error) {
    await Promise.all(staged.map((entry) => rm(entry.temporary, { force: true })))
    throw error
  }
  for (const entry of staged) await rename(entry.temporary, entry.path)
}
