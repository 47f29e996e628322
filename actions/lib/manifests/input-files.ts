import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readdirSync,
  readSync,
  type Stats,
  statSync,
} from 'node:fs'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'

/** One input text, or why it could not be read. */
export interface InputText {
  /** As shown to users: relative to the working directory, with forward slashes. */
  file: string
  text?: string
  error?: string
}

const manifestExtensions = /\.(ya?ml|json)$/i
// Build instructions for kustomize, not resources: --kustomize renders them instead.
const kustomizationFiles = new Set(['kustomization.yaml', 'kustomization.yml'])

export function displayPath(path: string, cwd: string): string {
  const absolute = isAbsolute(path) ? path : resolve(cwd, path)
  const relativePath = relative(cwd, absolute)
  const shown = relativePath === '' || relativePath.startsWith('..') ? absolute : relativePath
  return shown.split(sep).join('/')
}

const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * The most any one input (a file or stdin) may hold. Nothing reads more than this and one
 * byte, so a huge file, /dev/zero behind a symlink or an endless pipe cannot exhaust memory.
 */
export const maxInputBytes = 64 * 1024 * 1024

/** Decodes UTF-8 strictly (invalid bytes are an error, not replacement characters). */
export function decodeText(bytes: Uint8Array): string | undefined {
  try {
    const text = decoder.decode(bytes)
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  } catch {
    return undefined
  }
}

/** Why bytes are not manifest text, or undefined with the text they hold. */
export function inputText(bytes: Uint8Array): { text?: string; error?: string } {
  if (bytes.length > maxInputBytes) {
    return { error: `is larger than ${maxInputBytes / 1024 / 1024} MB` }
  }
  const text = decodeText(bytes)
  if (text === undefined) return { error: 'is not valid UTF-8' }
  // YAML cannot hold a NUL byte: this is a binary file, not a manifest.
  if (text.indexOf('\0') !== -1)
    return { error: 'is binary (it holds NUL bytes), not YAML or JSON' }
  return { text }
}

function fileType(stats: Stats): string {
  if (stats.isFIFO()) return 'a named pipe (FIFO)'
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device'
  if (stats.isSocket()) return 'a socket'
  if (stats.isDirectory()) return 'a directory'
  return 'not a regular file'
}

/** Up to `limit` + 1 bytes of an open file: enough to tell that it holds more than `limit`. */
function readBounded(descriptor: number, sizeHint: number, limit: number): Buffer {
  const chunks: Buffer[] = []
  let total = 0
  let chunkSize = Math.min(Math.max(sizeHint + 1, 64 * 1024), limit + 1)
  while (total <= limit) {
    const chunk = Buffer.allocUnsafe(Math.min(chunkSize, limit + 1 - total))
    const read = readSync(descriptor, chunk, 0, chunk.length, null)
    if (read === 0) break
    chunks.push(read === chunk.length ? chunk : chunk.subarray(0, read))
    total += read
    chunkSize = 1024 * 1024
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)
}

/**
 * Reads one manifest file. Only regular files are read (a symlink counts as what it points
 * to): a FIFO would block, a device such as /dev/zero never ends. Opening never blocks either.
 */
export function readInput(path: string, cwd: string): InputText {
  const file = displayPath(path, cwd)
  const absolute = isAbsolute(path) ? path : resolve(cwd, path)
  const cannotRead = (error: unknown): InputText => {
    const code = (error as NodeJS.ErrnoException).code
    return { file, error: `cannot read file (${code ?? (error as Error).message})` }
  }
  let stats: Stats
  try {
    stats = statSync(absolute)
  } catch (error) {
    return cannotRead(error)
  }
  const refuse = (found: Stats): InputText => ({
    file,
    error: `is ${fileType(found)}, not a regular file; only regular files are validated`,
  })
  if (!stats.isFile()) return refuse(stats)
  let bytes: Buffer
  let descriptor: number | undefined
  try {
    descriptor = openSync(absolute, constants.O_RDONLY | constants.O_NONBLOCK)
    // Checked again on what was opened, in case the path changed since.
    const opened = fstatSync(descriptor)
    if (!opened.isFile()) return refuse(opened)
    bytes = readBounded(descriptor, opened.size, maxInputBytes)
  } catch (error) {
    return cannotRead(error)
  } finally {
    if (descriptor !== undefined) closeSync(descriptor)
  }
  const { text, error } = inputText(bytes)
  if (text === undefined) return { file, error: `file ${error}` }
  return { file, text }
}

/**
 * Expands paths into manifest files: a directory contributes its .yaml, .yml and .json files,
 * recursively and sorted, skipping hidden directories, node_modules and kustomization files. A
 * path that does not
 * exist is kept so that reading it reports the problem.
 */
export function manifestFiles(paths: readonly string[], cwd: string): string[] {
  const files: string[] = []
  const walk = (directory: string) => {
    let entries: import('node:fs').Dirent[]
    try {
      entries = readdirSync(directory, { withFileTypes: true })
    } catch {
      files.push(directory)
      return
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      const full = join(directory, entry.name)
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && entry.name !== 'node_modules') walk(full)
      } else if (manifestExtensions.test(entry.name) && !kustomizationFiles.has(entry.name)) {
        files.push(full)
      }
    }
  }
  for (const path of paths) {
    const absolute = isAbsolute(path) ? path : resolve(cwd, path)
    let directory = false
    try {
      directory = statSync(absolute).isDirectory()
    } catch {}
    if (directory) walk(absolute)
    else files.push(absolute)
  }
  return files
}
