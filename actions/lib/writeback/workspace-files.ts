import { lstat, readdir, realpath, stat } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { UsageError } from '../errors'

const yamlFile = /\.ya?ml$/i
const skippedDirectories = new Set(['.git', 'node_modules'])

function inside(root: string, path: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
}

/**
 * Resolves a user-given path against the workspace and refuses anything that
 * lands outside it, directly or through a symlink, so a bump can never write
 * to a file the repository does not own.
 */
export async function resolveInside(root: string, given: string, flag: string): Promise<string> {
  const realRoot = await realpath(root)
  const candidate = resolve(realRoot, given)
  if (!inside(realRoot, candidate)) {
    throw new UsageError(`${flag} '${given}' is outside the repository ${root}`)
  }
  let real: string
  try {
    real = await realpath(candidate)
  } catch {
    throw new UsageError(`${flag} '${given}' does not exist`)
  }
  if (!inside(realRoot, real)) {
    throw new UsageError(`${flag} '${given}' is a symlink to ${real}, outside the repository`)
  }
  return relative(realRoot, candidate) || '.'
}

/** Every YAML file under a directory (relative to root), symlinks checked like named files. */
export async function yamlFilesUnder(root: string, directory: string): Promise<string[]> {
  const found: string[] = []
  const walk = async (relativeDirectory: string): Promise<void> => {
    const entries = await readdir(join(root, relativeDirectory), { withFileTypes: true })
    entries.sort((a, b) => a.name.localeCompare(b.name))
    for (const entry of entries) {
      const path = relativeDirectory === '.' ? entry.name : join(relativeDirectory, entry.name)
      if (entry.isDirectory()) {
        if (!skippedDirectories.has(entry.name)) await walk(path)
      } else if (yamlFile.test(entry.name)) {
        if (entry.isSymbolicLink()) {
          await resolveInside(root, path, '--dir')
          if ((await stat(join(root, path))).isFile()) found.push(path)
        } else if (entry.isFile()) {
          found.push(path)
        }
      }
    }
  }
  await walk(directory)
  return found
}

/** The distinct files a bump reads: named files plus the YAML under named directories. */
export async function collectTargetFiles(
  root: string,
  files: readonly string[],
  directories: readonly string[],
): Promise<string[]> {
  const result: string[] = []
  for (const file of files) result.push(await resolveInside(root, file, '--file'))
  for (const directory of directories) {
    const resolved = await resolveInside(root, directory, '--dir')
    const stats = await lstat(join(root, resolved))
    if (!stats.isDirectory()) throw new UsageError(`--dir '${directory}' is not a directory`)
    result.push(...(await yamlFilesUnder(root, resolved)))
  }
  return [...new Set(result)]
}
