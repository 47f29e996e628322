import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UsageError } from '../errors'
import { CommandNotFoundError, type CommandRunner, type Logger } from '../ports'
import {
  type DeliveryVerdict,
  previousEnvironmentVerdict,
  readDeliveryRecords,
} from './delivery-records'
import { affectedOverlays, dependencyDirectories, discoverOverlays } from './overlay-discovery'
import { type RenderedDiff, renderedDiff } from './rendered-diff'
import { type ImageChange, imageChanges, imagesOf } from './rendered-images'

export const defaultPromotionOrder = ['dev', 'stage', 'prod'] as const
export const defaultNotesRef = 'refs/notes/golden-path'

export interface GitOpsReviewRequest {
  /** A checkout of the GitOps repository with both commits in its history. */
  repository: string
  /** The pull request's base commit; undefined reviews every overlay as new. */
  base?: string
  /** The commit under review (e.g. the pull request's merge commit). */
  head: string
  /** Overlay directories or globs; empty finds the overlays (see discoverOverlays). */
  overlays: readonly string[]
  /** Environments in promotion order; an overlay's environment is a path segment naming one. */
  promotionOrder: readonly string[]
  notesRef: string
}

export interface GitOpsReviewPorts {
  runner: CommandRunner
  logger: Logger
}

export type OverlayStatus = 'added' | 'removed' | 'changed' | 'unchanged'

export interface ImageChangeReview extends ImageChange {
  /** Set when the change pins a new digest; says what the previous environment's records show. */
  previousEnvironment?: DeliveryVerdict
}

export interface OverlayReview {
  path: string
  environment?: string
  status: OverlayStatus
  /** kubectl kustomize's message when the overlay does not render at head. */
  renderError?: string
  baseRenderError?: string
  diff?: RenderedDiff
  images: ImageChangeReview[]
}

export interface GitOpsReview {
  base?: string
  head: string
  changedFiles: string[]
  /** Every overlay found at base or head, with what happened to it. */
  overlays: OverlayReview[]
  /** Delivery records were found under the notes ref (false: the ref is absent). */
  recordsFound: boolean
}

/** Overlays the change touches, which the validation step checks: rendered differently or newly. */
export function touchedOverlays(review: GitOpsReview): OverlayReview[] {
  return review.overlays.filter(
    (overlay) => overlay.status === 'added' || overlay.status === 'changed',
  )
}

async function git(ports: GitOpsReviewPorts, repository: string, args: string[]): Promise<string> {
  const result = await ports.runner.run('git', args, { cwd: repository })
  if (result.exitCode !== 0) throw new Error(`git ${args[0]}: ${result.stderr.trim()}`)
  return result.stdout
}

async function resolveCommit(
  ports: GitOpsReviewPorts,
  repository: string,
  revision: string,
  input: string,
): Promise<string> {
  const result = await ports.runner.run(
    'git',
    ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`],
    { cwd: repository },
  )
  if (result.exitCode !== 0) {
    throw new UsageError(
      `${input} '${revision}' is not a commit of ${repository}; check it out with its history (actions/checkout with fetch-depth: 0)`,
    )
  }
  return result.stdout.trim()
}

/** The tree of `commit` as plain files in `directory` (no checkout, no index touched). */
async function exportTree(
  ports: GitOpsReviewPorts,
  repository: string,
  commit: string,
  directory: string,
): Promise<void> {
  await mkdir(directory, { recursive: true })
  const archive = `${directory}.tar`
  await git(ports, repository, ['archive', '--format=tar', `--output=${archive}`, commit])
  const extracted = await ports.runner.run('tar', ['-xf', archive, '-C', directory])
  if (extracted.exitCode !== 0) throw new Error(`tar: ${extracted.stderr.trim()}`)
  await rm(archive, { force: true })
}

type Rendering = { text: string } | { error: string }

async function render(ports: GitOpsReviewPorts, directory: string): Promise<Rendering> {
  try {
    const result = await ports.runner.run('kubectl', ['kustomize', directory], {
      timeoutMs: 120_000,
    })
    if (result.exitCode === 0) return { text: result.stdout }
    return { error: result.stderr.trim().split('\n').pop() ?? `exit ${result.exitCode}` }
  } catch (error) {
    if (error instanceof CommandNotFoundError) {
      throw new UsageError(
        'kubectl is not installed; install it (https://kubernetes.io/docs/tasks/tools/) to render the overlays',
      )
    }
    throw error
  }
}

/** The environment an overlay deploys to: the last path segment that names one. */
export function environmentOf(path: string, promotionOrder: readonly string[]): string | undefined {
  return path
    .split('/')
    .reverse()
    .find((segment) => promotionOrder.includes(segment))
}

/**
 * Renders every overlay at the base and the head commit and reports, per overlay,
 * whether the change touched it, the rendered diff, the images it re-pins and —
 * from the delivery records — whether a new digest was delivered and verified in
 * the environment before.
 */
export async function reviewGitOpsChange(
  request: GitOpsReviewRequest,
  ports: GitOpsReviewPorts,
): Promise<GitOpsReview> {
  const head = await resolveCommit(ports, request.repository, request.head, 'head')
  const base = request.base
    ? await resolveCommit(ports, request.repository, request.base, 'base')
    : undefined
  const changedFiles = base
    ? (await git(ports, request.repository, ['diff', '--name-only', '-z', base, head]))
        .split('\0')
        .filter(Boolean)
    : []
  const scratch = await mkdtemp(join(tmpdir(), 'golden-path-gitops-review-'))
  try {
    const headTree = join(scratch, 'head')
    const baseTree = join(scratch, 'base')
    await exportTree(ports, request.repository, head, headTree)
    if (base) await exportTree(ports, request.repository, base, baseTree)
    const headOverlays = new Set(discoverOverlays(headTree, request.overlays))
    const baseOverlays = new Set(base ? discoverOverlays(baseTree, request.overlays) : [])
    // Undefined when the repository has no records ref: reviews say so instead of "not delivered".
    const records = await readDeliveryRecords(
      ports.runner,
      request.repository,
      request.notesRef,
      ports.logger,
    )

    const paths = [...new Set([...headOverlays, ...baseOverlays])].sort()
    // Only overlays whose files (or the files they build on, at base or head) changed can
    // render differently; the others are not rendered at all.
    const dependencies = new Map(
      paths.map((path) => [
        path,
        [
          ...(headOverlays.has(path) ? dependencyDirectories(headTree, path) : []),
          ...(baseOverlays.has(path) ? dependencyDirectories(baseTree, path) : []),
        ],
      ]),
    )
    const affected = base ? affectedOverlays(dependencies, changedFiles) : new Set(paths)

    const overlays: OverlayReview[] = []
    for (const path of paths) {
      const environment = environmentOf(path, request.promotionOrder)
      if (!affected.has(path) && headOverlays.has(path) && baseOverlays.has(path)) {
        overlays.push({ path, environment, status: 'unchanged', images: [] })
        continue
      }
      const after = headOverlays.has(path) ? await render(ports, join(headTree, path)) : undefined
      const before =
        base && baseOverlays.has(path) ? await render(ports, join(baseTree, path)) : undefined
      const afterText = after && 'text' in after ? after.text : ''
      const beforeText = before && 'text' in before ? before.text : ''
      const status: OverlayStatus = !after
        ? 'removed'
        : !before
          ? 'added'
          : 'error' in after || 'error' in before || afterText !== beforeText
            ? 'changed'
            : 'unchanged'
      const review: OverlayReview = { path, environment, status, images: [] }
      if (after && 'error' in after) review.renderError = after.error
      if (before && 'error' in before) review.baseRenderError = before.error
      if (status !== 'unchanged') {
        review.diff = renderedDiff(path, beforeText, afterText)
        for (const change of imageChanges(imagesOf(beforeText), imagesOf(afterText))) {
          const reviewed: ImageChangeReview = { ...change }
          if (change.newDigest && change.newDigest !== change.oldDigest) {
            reviewed.previousEnvironment = previousEnvironmentVerdict(
              records,
              change.newDigest,
              environment,
              request.promotionOrder,
            )
          }
          review.images.push(reviewed)
        }
      }
      overlays.push(review)
    }
    return { base, head, changedFiles, overlays, recordsFound: records !== undefined }
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}
