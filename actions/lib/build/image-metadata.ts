import { UsageError } from '../errors'
import { isValidTag } from '../registry/image-reference'
import type { GitRevision } from './git-revision'

export interface ImageMetadataRequest {
  /** Repository without tag, e.g. ghcr.io/example-org/app. */
  image: string
  revision?: GitRevision
  /** Tags given explicitly (--tag), added as they are. */
  extraTags: string[]
  /** SOURCE_DATE_EPOCH from the environment, which wins over the commit date. */
  sourceDateEpoch?: string
  title?: string
  description?: string
  licenses?: string
  /** Extra labels (--label K=V); they win over the generated ones. */
  labels: Record<string, string>
  /** Wall clock (ms), used for `created` only when there is no commit and no SOURCE_DATE_EPOCH. */
  now: number
}

export interface ImageMetadata {
  /** Tags alone (1.2.3, sha-0123abc), most specific first. */
  tags: string[]
  /** Full references, image:tag. */
  references: string[]
  labels: Record<string, string>
  /** The value of org.opencontainers.image.version: the first tag. */
  version: string
  /** Seconds since the epoch that every timestamp in the image is set to. */
  sourceDateEpoch: number
  /** Whether the timestamps come from the commit (or SOURCE_DATE_EPOCH), so rebuilds match. */
  reproducible: boolean
}

// SemVer 2.0.0 with an optional leading v, as docker/metadata-action's type=semver accepts.
const semverPattern =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/

/**
 * Tags for a semver git tag, following docker/metadata-action's patterns
 * {{version}}, {{major}}.{{minor}} and {{major}} plus `latest`: pre-releases
 * get only their full version, and a 0.x release gets no bare {{major}} tag,
 * because "0" would move across breaking changes.
 */
export function semverTags(gitTag: string): string[] {
  const match = semverPattern.exec(gitTag)
  if (!match) return []
  const [, major, minor, patch, prerelease] = match
  const version = `${major}.${minor}.${patch}${prerelease ? `-${prerelease}` : ''}`
  if (prerelease) return [version]
  return [version, `${major}.${minor}`, ...(major === '0' ? [] : [major!]), 'latest']
}

/** A branch name as a tag: metadata-action replaces what a tag cannot hold with '-'. */
export function branchTag(branch: string): string {
  return branch
    .replace(/[^a-zA-Z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128)
}

function parseEpoch(value: string): number {
  if (!/^\d+$/.test(value)) {
    throw new UsageError(`invalid SOURCE_DATE_EPOCH '${value}': expected whole seconds since 1970`)
  }
  return Number(value)
}

/**
 * Tags and OCI labels (image-spec annotations.md) for one build. `created` is
 * the commit date (or SOURCE_DATE_EPOCH), never the build time, so two builds
 * of the same commit carry identical labels and can have identical digests.
 */
export function imageMetadata(request: ImageMetadataRequest): ImageMetadata {
  const { revision } = request
  const generated: string[] = []
  for (const gitTag of revision?.tags ?? []) generated.push(...semverTags(gitTag))
  if (revision?.pullRequest !== undefined) generated.push(`pr-${revision.pullRequest}`)
  if (revision?.branch) generated.push(branchTag(revision.branch))
  for (const tag of request.extraTags) {
    if (!isValidTag(tag)) {
      throw new UsageError(
        `invalid --tag '${tag}': a tag holds letters, digits, '_', '.' and '-' (at most 128, not starting with '.' or '-')`,
      )
    }
    generated.push(tag)
  }
  if (revision) generated.push(`sha-${revision.sha.slice(0, 7)}`)
  const tags = [...new Set(generated.filter(Boolean))]
  if (tags.length === 0) {
    throw new UsageError('no tag for the image: give --tag, or build inside a git repository')
  }
  const version = tags[0] === 'latest' ? (tags[1] ?? 'latest') : tags[0]!
  let sourceDateEpoch: number
  let reproducible = true
  if (request.sourceDateEpoch !== undefined && request.sourceDateEpoch !== '') {
    sourceDateEpoch = parseEpoch(request.sourceDateEpoch)
  } else if (revision) {
    sourceDateEpoch = revision.commitEpoch
  } else {
    sourceDateEpoch = Math.floor(request.now / 1000)
    reproducible = false
  }
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': request.title ?? request.image.split('/').pop()!,
    ...(request.description ? { 'org.opencontainers.image.description': request.description } : {}),
    ...(revision?.sourceUrl ? { 'org.opencontainers.image.source': revision.sourceUrl } : {}),
    ...(revision ? { 'org.opencontainers.image.revision': revision.sha } : {}),
    'org.opencontainers.image.version': version,
    'org.opencontainers.image.created': new Date(sourceDateEpoch * 1000)
      .toISOString()
      .replace('.000Z', 'Z'),
    ...(request.licenses ? { 'org.opencontainers.image.licenses': request.licenses } : {}),
    ...request.labels,
  }
  return {
    tags,
    references: tags.map((tag) => `${request.image}:${tag}`),
    labels,
    version,
    sourceDateEpoch,
    reproducible,
  }
}
