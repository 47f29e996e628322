import { readdirSync, readFileSync, statSync } from 'node:fs'
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

/** Decodes UTF-8 strictly (invalid bytes are an error, not replacement characters). */
export function decodeText(bytes: Uint8Array): string | undefined {
  try {
    const text = decoder.decode(bytes)
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  } catch {
    return undefined
  }
}

export function readInput(path: string, cwd: string): InputText {
  const file = displayPath(path, cwd)
  let bytes: Buffer
  try {
    bytes = readFileSync(isAbsolute(path) ? path : resolve(cwd, path))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return { file, error: `cannot read file (${code ?? (error as Error).message})` }
  }
  const text = decodeText(bytes)
  if (text === undefined) return { file, error: 'file is not valid UTF-8' }
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
