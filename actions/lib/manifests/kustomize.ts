import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { CORE_SCHEMA, loadAll } from 'js-yaml'
import { UsageError } from '../errors'
import { CommandNotFoundError, type CommandRunner } from '../ports'
import { redactUrls } from '../redaction'
import { displayPath } from './input-files'
import { kubernetesSchema } from './kubernetes-yaml'
import {
  type Anchor,
  DocumentPositions,
  parsePointer,
  type SourcePosition,
  toPointer,
} from './positions'
import { type DocumentChunk, splitDocuments } from './yaml-documents'

type Located = { file: string } & SourcePosition

/** The rendered output of an overlay and a way back from it to the files that produced it. */
export interface KustomizeRendering {
  /** The overlay's kustomization file, where findings land when nothing better is known. */
  file: string
  text: string
  locatorFor(chunk: DocumentChunk): {
    locate(pointer: string, anchor: Anchor): Located
    resourceStart(pointer: string): Located
  }
}

const kustomizationNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']

/** One document of a file the overlay is built from. */
interface SourceDocument {
  file: string
  chunk: DocumentChunk
  value: Record<string, unknown>
  /** A patch changes a resource defined elsewhere; deeper overlays are listed first. */
  patch: boolean
  positions?: DocumentPositions
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function kustomizationFile(directory: string): string | undefined {
  return kustomizationNames.map((name) => join(directory, name)).find((path) => existsSync(path))
}

function parseDocuments(file: string): { chunk: DocumentChunk; value: unknown }[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return []
  }
  const documents: { chunk: DocumentChunk; value: unknown }[] = []
  for (const chunk of splitDocuments(text)) {
    try {
      const [value] = loadAll(chunk.text, { schema: CORE_SCHEMA, json: true })
      if (value !== undefined && value !== null) documents.push({ chunk, value })
    } catch {}
  }
  return documents
}

/**
 * Indexes the documents an overlay is built from: its resources and patches, following
 * `resources`, `components` and `bases` into other kustomizations, overlay files first.
 */
function collectSources(
  directory: string,
  cwd: string,
  seen: Set<string>,
  out: SourceDocument[],
  kustomizations: { file: string; value: Record<string, unknown> }[],
) {
  const file = kustomizationFile(directory)
  if (!file || seen.has(file)) return
  seen.add(file)
  const [kustomization] = parseDocuments(file)
  if (!kustomization || !isRecord(kustomization.value)) return
  const value = kustomization.value
  kustomizations.push({ file, value })
  const addFile = (path: string, patch: boolean) => {
    for (const document of parseDocuments(path)) {
      if (isRecord(document.value)) {
        out.push({
          file: displayPath(path, cwd),
          chunk: document.chunk,
          value: document.value,
          patch,
        })
      }
    }
  }
  const patchFiles: string[] = []
  for (const entry of [...asList(value.patches), ...asList(value.patchesStrategicMerge)]) {
    const path = typeof entry === 'string' ? entry : isRecord(entry) ? entry.path : undefined
    if (typeof path === 'string') patchFiles.push(path)
  }
  for (const path of patchFiles) addFile(resolve(directory, path), true)
  for (const entry of [
    ...asList(value.resources),
    ...asList(value.components),
    ...asList(value.bases),
  ]) {
    if (typeof entry !== 'string' || /^[a-z]+:\/\//.test(entry)) continue
    const path = resolve(directory, entry)
    if (kustomizationFile(path)) collectSources(path, cwd, seen, out, kustomizations)
    else addFile(path, false)
  }
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

function nameMatches(rendered: string, source: unknown): boolean {
  // namePrefix/nameSuffix change the rendered name around the source name.
  return typeof source === 'string' && source !== '' && rendered.includes(source)
}

/**
 * Translates a pointer into the rendered resource to one into a source document: list items are
 * matched by their `name` (strategic merge joins containers, ports and volumes by name), other
 * segments by key. Returns how many segments exist in the source.
 */
function translate(
  rendered: unknown,
  source: unknown,
  segments: readonly string[],
): { pointer: string[]; depth: number } {
  const pointer: string[] = []
  let renderedNode = rendered
  let sourceNode = source
  for (const segment of segments) {
    if (Array.isArray(renderedNode) && Array.isArray(sourceNode)) {
      const item = renderedNode[Number(segment)]
      const name = isRecord(item) ? item.name : undefined
      const index =
        name !== undefined
          ? sourceNode.findIndex((candidate) => isRecord(candidate) && candidate.name === name)
          : Number(segment) < sourceNode.length
            ? Number(segment)
            : -1
      if (index < 0) break
      pointer.push(String(index))
      renderedNode = item
      sourceNode = sourceNode[index]
    } else if (isRecord(renderedNode) && isRecord(sourceNode) && segment in sourceNode) {
      pointer.push(segment)
      renderedNode = renderedNode[segment]
      sourceNode = sourceNode[segment]
    } else break
  }
  return { pointer, depth: pointer.length }
}

/**
 * Whether kustomize would fetch an entry of `resources`, `components` or `bases` over the
 * network: a URL, an scp-style git address, or a path whose first segment is a host name
 * (`github.com/org/repo//dir?ref=v1`) that does not exist on disk, which kustomize clones.
 */
function isRemoteEntry(entry: string, directory: string): boolean {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(entry) || /^[A-Za-z0-9._-]+@[^/]+:/.test(entry)) {
    return true
  }
  if (/^git::|\?ref=|\?version=/.test(entry)) return true
  return (
    /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:[0-9]+)?\//.test(entry) &&
    !existsSync(resolve(directory, entry))
  )
}

/**
 * The first entry of an overlay (or of a kustomization it includes) that would make kustomize
 * reach the network: a remote resource, component or base, or a Helm chart with a repository.
 */
export function findRemoteEntry(
  directory: string,
  seen: Set<string> = new Set(),
): { file: string; entry: string } | undefined {
  const file = kustomizationFile(directory)
  if (!file || seen.has(file)) return undefined
  seen.add(file)
  const [kustomization] = parseDocuments(file)
  if (!kustomization || !isRecord(kustomization.value)) return undefined
  const value = kustomization.value
  for (const field of ['resources', 'components', 'bases']) {
    for (const entry of asList(value[field])) {
      if (typeof entry !== 'string') continue
      if (isRemoteEntry(entry, directory)) return { file, entry: `${field}: ${entry}` }
      const path = resolve(directory, entry)
      if (kustomizationFile(path)) {
        const found = findRemoteEntry(path, seen)
        if (found) return found
      }
    }
  }
  for (const chart of [...asList(value.helmCharts), ...asList(value.helmChartInflationGenerator)]) {
    if (!isRecord(chart)) continue
    const repo = chart.repo ?? chart.chartRepoUrl
    if (typeof repo === 'string' && repo !== '') {
      return {
        file,
        entry: `helmCharts: ${String(chart.name ?? chart.chartName ?? '')} from ${repo}`,
      }
    }
  }
  if (asList(value.helmGlobals).length > 0 || asList(value.helmCharts).length > 0) {
    return { file, entry: 'helmCharts' }
  }
  return undefined
}

/** Renders an overlay with `kubectl kustomize` (or a standalone `kustomize build`). */
export async function renderKustomization(
  directory: string,
  cwd: string,
  runner: CommandRunner,
  allowRemote = false,
): Promise<KustomizeRendering> {
  const absolute = resolve(cwd, directory)
  const kustomization = kustomizationFile(absolute)
  if (!kustomization) {
    throw new UsageError(`--kustomize '${directory}' has no kustomization.yaml`)
  }
  // Validation is offline: nothing an overlay names may be fetched unless asked for.
  const remote = allowRemote ? undefined : findRemoteEntry(absolute)
  if (remote) {
    throw new UsageError(
      `--kustomize '${directory}': ${displayPath(remote.file, cwd)} names a remote ${redactUrls(remote.entry)}; validation is offline (vendor it, or allow it: --allow-remote, action input allow-remote: true)`,
    )
  }
  let result: { exitCode: number; stdout: string; stderr: string }
  try {
    result = await runner.run('kubectl', ['kustomize', absolute], { timeoutMs: 120_000 })
  } catch (error) {
    if (!(error instanceof CommandNotFoundError)) throw error
    try {
      result = await runner.run('kustomize', ['build', absolute], { timeoutMs: 120_000 })
    } catch (second) {
      if (second instanceof CommandNotFoundError) {
        throw new UsageError(
          '--kustomize needs kubectl or kustomize on PATH (install kubectl: https://kubernetes.io/docs/tasks/tools/)',
        )
      }
      throw second
    }
  }
  if (result.exitCode !== 0) {
    throw new Error(
      `kustomize build of '${directory}' failed: ${result.stderr.trim().split('\n').pop() ?? ''}`,
    )
  }
  const sources: SourceDocument[] = []
  const kustomizations: { file: string; value: Record<string, unknown> }[] = []
  collectSources(absolute, cwd, new Set(), sources, kustomizations)
  const overlayFile = displayPath(kustomization, cwd)
  const positionsOf = (source: SourceDocument) => {
    source.positions ??= new DocumentPositions(source.chunk.text)
    return source.positions
  }
  const place = (source: SourceDocument, pointer: string, anchor: Anchor): Located => {
    const { line, column } = positionsOf(source).locate(pointer, anchor)
    return { file: source.file, line: source.chunk.startLine + line, column }
  }
  return {
    file: overlayFile,
    text: result.stdout,
    locatorFor(chunk) {
      let rendered: unknown
      try {
        ;[rendered] = loadAll(chunk.text, { schema: kubernetesSchema, json: true })
      } catch {}
      const candidatesFor = (pointer: string) => {
        const segments = parsePointer(pointer)
        let object = rendered
        let rest = segments
        // A List item: find the item, then match within it.
        if (segments[0] === 'items' && isRecord(rendered) && Array.isArray(rendered.items)) {
          object = rendered.items[Number(segments[1])]
          rest = segments.slice(2)
        }
        const kind = isRecord(object) ? object.kind : undefined
        const metadata = isRecord(object) && isRecord(object.metadata) ? object.metadata : {}
        const name = typeof metadata.name === 'string' ? metadata.name : ''
        const matches = sources.filter((source) => {
          const sourceMetadata = isRecord(source.value.metadata) ? source.value.metadata : {}
          return source.value.kind === kind && nameMatches(name, sourceMetadata.name)
        })
        return { object, rest, matches }
      }
      const fallback = (): Located => ({ file: overlayFile, line: 1, column: 1 })
      return {
        locate(pointer, anchor) {
          const { object, rest, matches } = candidatesFor(pointer)
          // An image set by the overlay's `images:` field is fixed there, not in the base.
          if (rest[rest.length - 1] === 'image') {
            const image =
              translate(object, object, rest).depth === rest.length
                ? valueAt(object, rest)
                : undefined
            for (const { file, value } of kustomizations) {
              const index = asList(value.images).findIndex(
                (entry) =>
                  isRecord(entry) &&
                  typeof image === 'string' &&
                  (image.startsWith(`${String(entry.newName)}:`) ||
                    image.startsWith(`${String(entry.newName)}@`) ||
                    image.startsWith(`${String(entry.name)}:`) ||
                    image.startsWith(`${String(entry.name)}@`)),
              )
              if (index >= 0) {
                const [document] = parseDocuments(file).map((entry) => ({
                  file: displayPath(file, cwd),
                  chunk: entry.chunk,
                  value: entry.value as Record<string, unknown>,
                  patch: true,
                }))
                if (document) return place(document, `/images/${index}`, 'value')
              }
            }
          }
          let best: { source: SourceDocument; pointer: string[]; depth: number } | undefined
          for (const source of matches) {
            const translated = translate(object, source.value, rest)
            const complete = translated.depth === rest.length
            // A patch wins only where it sets the field itself; the resource file otherwise.
            if (source.patch && !complete) continue
            if (
              !best ||
              translated.depth > best.depth ||
              (complete && source.patch && !best.source.patch)
            ) {
              best = { source, ...translated }
            }
          }
          if (!best) return fallback()
          return place(
            best.source,
            toPointer(best.pointer),
            best.depth === rest.length ? anchor : 'key',
          )
        },
        resourceStart(pointer) {
          const { matches } = candidatesFor(pointer)
          const source = matches.find((candidate) => !candidate.patch) ?? matches[0]
          return source ? place(source, '', 'value') : fallback()
        },
      }
    },
  }
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let node = root
  for (const segment of segments) {
    if (Array.isArray(node)) node = node[Number(segment)]
    else if (isRecord(node)) node = node[segment]
    else return undefined
  }
  return node
}
