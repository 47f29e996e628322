import { readFile } from 'node:fs/promises'
import { UsageError } from '../errors'
import { isReportedSeverity } from './severity'
import type { Vulnerability } from './vulnerability'

/**
 * Turns a Trivy JSON report (`--format json`, SchemaVersion 2) into the
 * vulnerabilities the gate judges. Anything that does not have that shape is
 * rejected: a report that cannot be read must never pass the gate as "no findings".
 */
export function parseTrivyReport(text: string, source: string): Vulnerability[] {
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch {
    throw new UsageError(`Trivy report ${source} is not valid JSON`)
  }
  const fail = (what: string): never => {
    throw new UsageError(`Trivy report ${source} is malformed: ${what}`)
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    fail('expected a JSON object')
  }
  const report = document as Record<string, unknown>
  if (report.SchemaVersion !== 2) {
    fail(`SchemaVersion is ${JSON.stringify(report.SchemaVersion)}, expected 2`)
  }
  // Trivy omits Results when it found nothing to scan.
  const results = report.Results ?? []
  if (!Array.isArray(results)) fail('Results is not a list')
  const vulnerabilities: Vulnerability[] = []
  ;(results as unknown[]).forEach((result, resultIndex) => {
    if (typeof result !== 'object' || result === null)
      fail(`Results[${resultIndex}] is not an object`)
    const { Target, Vulnerabilities } = result as Record<string, unknown>
    if (typeof Target !== 'string') fail(`Results[${resultIndex}].Target is missing`)
    if (Vulnerabilities === undefined || Vulnerabilities === null) return
    if (!Array.isArray(Vulnerabilities))
      fail(`Results[${resultIndex}].Vulnerabilities is not a list`)
    ;(Vulnerabilities as unknown[]).forEach((entry, index) => {
      const where = `Results[${resultIndex}].Vulnerabilities[${index}]`
      if (typeof entry !== 'object' || entry === null) fail(`${where} is not an object`)
      const v = entry as Record<string, unknown>
      for (const field of ['VulnerabilityID', 'PkgName', 'InstalledVersion'] as const) {
        if (typeof v[field] !== 'string' || v[field] === '') fail(`${where}.${field} is missing`)
      }
      if (!isReportedSeverity(v.Severity)) {
        fail(
          `${where}.Severity is ${JSON.stringify(v.Severity)}, expected LOW, MEDIUM, HIGH, CRITICAL or UNKNOWN`,
        )
      }
      const optional = (value: unknown): string | undefined =>
        typeof value === 'string' && value !== '' ? value : undefined
      vulnerabilities.push({
        id: v.VulnerabilityID as string,
        package: v.PkgName as string,
        installedVersion: v.InstalledVersion as string,
        fixedVersion: optional(v.FixedVersion),
        severity: v.Severity as Vulnerability['severity'],
        title: optional(v.Title),
        url: optional(v.PrimaryURL),
        target: Target as string,
      })
    })
  })
  return vulnerabilities
}

export async function readTrivyReport(path: string): Promise<Vulnerability[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(
      code === 'ENOENT'
        ? `Trivy report ${path} not found`
        : `cannot read Trivy report ${path}: ${code}`,
    )
  }
  return parseTrivyReport(text, path)
}

/** What a Trivy report says it scanned (its ArtifactName and Metadata). */
export interface TrivyArtifact {
  name?: string
  type?: string
  /** Metadata.ImageID: the image config's digest. */
  imageId?: string
  /** Digests from Metadata.RepoDigests (repo@sha256:...): manifest or index digests. */
  repoDigests: string[]
}

export function trivyArtifact(text: string): TrivyArtifact {
  const report = JSON.parse(text) as {
    ArtifactName?: unknown
    ArtifactType?: unknown
    Metadata?: { ImageID?: unknown; RepoDigests?: unknown }
  }
  const nonEmpty = (value: unknown) => (typeof value === 'string' && value ? value : undefined)
  const repoDigests = Array.isArray(report.Metadata?.RepoDigests)
    ? (report.Metadata.RepoDigests as unknown[])
        .map((entry) => (typeof entry === 'string' ? entry.slice(entry.indexOf('@') + 1) : ''))
        .filter((digest) => digest.startsWith('sha256:'))
    : []
  return {
    name: nonEmpty(report.ArtifactName),
    type: nonEmpty(report.ArtifactType),
    imageId: nonEmpty(report.Metadata?.ImageID),
    repoDigests,
  }
}

/** The identities of the image judged: top-level digest, each manifest's and each config's. */
export interface JudgedImage {
  subject: string
  digest: string
  manifestDigests: string[]
  configDigests: string[]
}

/**
 * Refuses a report about another image: its ImageID must be one of the judged
 * image's config digests, or one of its RepoDigests the judged index or
 * manifest digest. A report that names neither cannot be matched and is refused
 * too: judging an image by a report about something else would pass it unseen.
 */
export function assertReportMatches(
  artifact: TrivyArtifact,
  judged: JudgedImage,
  source: string,
): void {
  const digests = new Set([judged.digest, ...judged.manifestDigests])
  const matches =
    (artifact.imageId !== undefined && judged.configDigests.includes(artifact.imageId)) ||
    artifact.repoDigests.some((digest) => digests.has(digest))
  if (matches) return
  const about = [
    artifact.name ?? 'an unnamed artifact',
    artifact.imageId ? `image ID ${artifact.imageId}` : undefined,
    artifact.repoDigests.length ? `digest ${artifact.repoDigests.join(', ')}` : undefined,
    artifact.type && artifact.type !== 'container_image' ? `type ${artifact.type}` : undefined,
  ]
    .filter(Boolean)
    .join(', ')
  throw new UsageError(
    `Trivy report ${source} is about ${about}, not the image judged: ${judged.subject} (digest ${judged.digest}, image ID ${judged.configDigests.join(', ')}); scan that image or pass its own report`,
  )
}
