import { type Dirent, readdirSync, readFileSync } from 'node:fs'
import { join, normalize, posix, sep } from 'node:path'
import { parse } from 'yaml'

const kustomizationNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']
/** Directories never searched: version control, dependencies, and the tools' caches. */
const skipped = new Set(['.git', 'node_modules', '.terraform', 'vendor'])
/** Kustomization fields whose entries may name another kustomization directory. */
const referenceFields = ['resources', 'bases', 'components']
/** A repository bigger than this is not a GitOps repository; stop rather than walk it all. */
const maxDirectories = 20_000

const toPosix = (path: string) => path.split(sep).join('/')

/** Every directory under `root` holding a kustomization file, relative and in posix form. */
export function kustomizationDirectories(root: string): string[] {
  const found: string[] = []
  const queue = ['']
  let visited = 0
  while (queue.length > 0) {
    const directory = queue.shift()!
    if (++visited > maxDirectories) {
      throw new Error(
        `more than ${maxDirectories} directories under ${root}; name the overlays to check with the overlays input`,
      )
    }
    let entries: Dirent[]
    try {
      entries = readdirSync(join(root, directory), { withFileTypes: true })
    } catch {
      continue
    }
    if (entries.some((entry) => entry.isFile() && kustomizationNames.includes(entry.name)))
      found.push(directory === '' ? '.' : directory)
    for (const entry of entries) {
      if (entry.isDirectory() && !skipped.has(entry.name))
        queue.push(directory === '' ? entry.name : `${directory}/${entry.name}`)
    }
  }
  return found.sort()
}

/** The parsed kustomization file of a directory, or undefined when it has none or it does not parse. */
function kustomizationOf(root: string, directory: string): Record<string, unknown> | undefined {
  const file = kustomizationNames
    .map((name) => join(root, directory, name))
    .find((path) => {
      try {
        readFileSync(path)
        return true
      } catch {
        return false
      }
    })
  if (!file) return undefined
  try {
    const document: unknown = parse(readFileSync(file, 'utf8'))
    return document !== null && typeof document === 'object' && !Array.isArray(document)
      ? (document as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** The local directories a kustomization names in resources, bases and components. */
function referencedDirectories(root: string, directory: string): string[] {
  const document = kustomizationOf(root, directory)
  if (!document) return []
  const references: string[] = []
  for (const field of referenceFields) {
    const entries = document[field]
    if (!Array.isArray(entries)) continue
    for (const entry of entries) {
      // Remote bases (URLs, git references) are not in this repository.
      if (typeof entry !== 'string' || /^[a-z][a-z0-9+.-]*:\/\/|^git@|\?ref=/i.test(entry)) continue
      references.push(toPosix(normalize(posix.join(directory, entry))))
    }
  }
  return references
}

/** `*` matches within one path segment, `**` across segments; anything else is literal. */
function patternExpression(pattern: string): RegExp {
  const trimmed = pattern.replace(/^\.\//, '').replace(/\/+$/, '')
  let source = ''
  for (let index = 0; index < trimmed.length; index++) {
    const character = trimmed[index]!
    if (character === '*' && trimmed[index + 1] === '*') {
      source += '.*'
      index++
    } else if (character === '*') source += '[^/]*'
    else source += character.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}

/**
 * The overlays of a GitOps repository: with patterns, the kustomization directories
 * they match; without, every kustomization directory no other one builds on and
 * that is not a Component (the entry points Argo CD applications point at).
 */
export function discoverOverlays(root: string, patterns: readonly string[] = []): string[] {
  const directories = kustomizationDirectories(root)
  if (patterns.length > 0) {
    const expressions = patterns.map(patternExpression)
    return directories.filter((directory) =>
      expressions.some((expression) => expression.test(directory)),
    )
  }
  const referenced = new Set(
    directories.flatMap((directory) => referencedDirectories(root, directory)),
  )
  // A Component only exists inside the kustomization that includes it; it never renders alone.
  return directories.filter(
    (directory) =>
      !referenced.has(directory) && kustomizationOf(root, directory)?.kind !== 'Component',
  )
}

/**
 * The directories whose files can change what `overlay` renders: the overlay and,
 * transitively, every local directory its resources, bases and components name (a
 * file entry counts as its directory). kubectl kustomize's default load restrictor
 * keeps every other file an overlay reads inside these directories; anything else a
 * change touches makes affectedOverlays fall back to every overlay.
 */
export function dependencyDirectories(root: string, overlay: string): string[] {
  const seen = new Set<string>()
  const pending = [overlay]
  while (pending.length > 0 && seen.size < maxDirectories) {
    const directory = pending.pop()!
    if (seen.has(directory)) continue
    seen.add(directory)
    for (const reference of referencedDirectories(root, directory)) {
      const isKustomization = kustomizationNames.some((name) => {
        try {
          readFileSync(join(root, reference, name))
          return true
        } catch {
          return false
        }
      })
      if (isKustomization) pending.push(reference)
      else seen.add(posix.dirname(reference))
    }
  }
  return [...seen].sort()
}

const inside = (file: string, directory: string) =>
  directory === '.' || file === directory || file.startsWith(`${directory}/`)

/**
 * The overlays a change to `changedFiles` can render differently. Conservative: when
 * a changed file lies outside every overlay's dependency directories (a patch or a
 * generator file kept elsewhere), every overlay is affected.
 */
export function affectedOverlays(
  dependencies: ReadonlyMap<string, readonly string[]>,
  changedFiles: readonly string[],
): Set<string> {
  const all = new Set(dependencies.keys())
  const covered = (file: string) =>
    [...dependencies.values()].some((directories) =>
      directories.some((directory) => inside(file, directory)),
    )
  if (changedFiles.some((file) => !covered(file))) return all
  return new Set(
    [...dependencies.entries()]
      .filter(([, directories]) =>
        changedFiles.some((file) => directories.some((directory) => inside(file, directory))),
      )
      .map(([overlay]) => overlay),
  )
}
