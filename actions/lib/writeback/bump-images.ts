import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join, normalize, resolve } from 'node:path'
import { UsageError } from '../errors'
import type { Clock, Logger } from '../ports'
import { writeFilesAtomically } from './atomic-write'
import { type CommitTrailers, defaultMessageTemplate, renderCommitMessage } from './commit-message'
import { type FileBumpPlan, planFileBumps, type TargetOptions } from './file-bump-plan'
import type { GitIdentity, GitPort } from './git-port'
import { imagesNamedIn } from './image-inventory'
import type { ImageBump, ImageOccurrence } from './image-occurrence'
import { describeVersion, formatImageReference } from './image-reference'
import type { PullRequestPort } from './pull-request-port'
import { unifiedDiff } from './unified-diff'
import { collectTargetFiles } from './workspace-files'
import { WriteBackFailure } from './write-back-failure'

export type WriteBackMode = 'commit' | 'pr'

/** Where and how the change is committed when a repository is given. */
export interface GitWriteBack {
  /** A URL, a bare repository, or a working tree to use in place. */
  repo: string
  branch: string
  push: boolean
  mode: WriteBackMode
  messageTemplate: string
  environment?: string
  app?: string
  sourceCommit?: string
  identity: GitIdentity
  sign: boolean
  maxAttempts: number
  /** owner/repo on GitHub, for PR mode. */
  githubRepository?: string
}

export interface BumpRequest {
  bumps: ImageBump[]
  files: string[]
  directories: string[]
  targets: TargetOptions
  dryRun: boolean
  /** The directory edited in place when no repository is given. */
  workspace: string
  git?: GitWriteBack
}

export interface BumpPorts {
  git: GitPort
  logger: Logger
  clock: Clock
  /** A number in [0, 1): the jitter of the retry backoff. */
  random: () => number
  pullRequests?: PullRequestPort
}

export interface FileChange {
  file: string
  old: string
  new: string
}

export interface BumpResult {
  changed: boolean
  files: FileChange[]
  commit: string | null
  pushed: boolean
  pushedRef: string | null
  prUrl: string | null
  attempts: number
  /** The unified diff of every changed file. */
  diff: string
}

export const defaultMaxAttempts = 10
export const defaultIdentity: GitIdentity = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com',
}

// Every writer racing for the branch needs one undisturbed fetch-to-push window,
// and that window is as long as this machine and remote make it (tens of
// milliseconds when idle, over a second under heavy load). So the wait is scaled
// by the window just measured rather than by a fixed base: writers spread over
// two, four, then eight windows, without sleeping seconds on an idle machine.
const backoffFloorMs = 50
const backoffCapMs = 5000
const backoffMaxWindows = 8

/**
 * Full jitter: a random wait below a ceiling of `window × 2^attempt` (at most
 * eight windows, at most 5 s), where `window` is how long the losing attempt
 * took from reading the branch to the rejected push.
 */
export function backoffDelay(attempt: number, windowMs: number, random: () => number): number {
  const window = Math.max(backoffFloorMs, windowMs)
  const ceiling = Math.min(backoffCapMs, window * Math.min(backoffMaxWindows, 2 ** attempt))
  return Math.floor(random() * ceiling)
}

function checkRelative(path: string, flag: string): string {
  const normal = normalize(path)
  if (isAbsolute(path) || normal === '..' || normal.startsWith('../')) {
    throw new UsageError(`${flag} '${path}' is outside the repository`)
  }
  return normal
}

async function planAll(
  root: string,
  files: readonly string[],
  request: BumpRequest,
): Promise<FileBumpPlan[]> {
  const plans: FileBumpPlan[] = []
  for (const file of files) {
    const bytes = await readFile(join(root, file))
    const text = bytes.toString('utf8')
    // Decoding anything but UTF-8 would rewrite bytes far from the value changed.
    if (!Buffer.from(text, 'utf8').equals(bytes)) {
      throw new UsageError(`${file} is not UTF-8 text; golden-path only edits UTF-8 YAML`)
    }
    plans.push(planFileBumps({ path: file, text }, request.bumps, request.targets))
  }
  return plans
}

function occurrenceKey(file: string, occurrence: ImageOccurrence): string {
  return `${file}\u0000${occurrence.image}\u0000${occurrence.locator}`
}

function changesOf(plans: readonly FileBumpPlan[]): FileChange[] {
  const changes: FileChange[] = []
  for (const plan of plans) {
    const seen = new Set<string>()
    for (const occurrence of plan.occurrences) {
      if (occurrence.edits.length === 0) continue
      const change = {
        file: plan.path,
        old: describeVersion(occurrence.old),
        new: describeVersion(occurrence.new),
      }
      const key = `${change.old}\u0000${change.new}`
      if (!seen.has(key)) changes.push(change)
      seen.add(key)
    }
  }
  return changes
}

/**
 * A retry starts from the branch's new tip, so every value is read again. The
 * rule: a value still at the version we first read is moved to ours; a value
 * already at ours is left alone; a value someone moved to a third version, or
 * removed, is a conflict — reported, never overwritten.
 */
function assertNoConflict(
  plans: readonly FileBumpPlan[],
  expected: ReadonlyMap<string, { old: string; new: string }>,
): void {
  const found = new Set<string>()
  const conflicts: string[] = []
  for (const plan of plans) {
    for (const occurrence of plan.occurrences) {
      const key = occurrenceKey(plan.path, occurrence)
      found.add(key)
      const want = expected.get(key)
      if (!want) continue
      const now = describeVersion(occurrence.old)
      if (now !== want.old && now !== want.new) {
        conflicts.push(
          `${plan.path} (${occurrence.locator}) was changed to ${now} by someone else (expected ${want.old}, wanted ${want.new})`,
        )
      }
    }
  }
  for (const [key, want] of expected) {
    if (!found.has(key)) {
      const [file, , locator] = key.split('\u0000')
      conflicts.push(`${file} (${locator}) was removed by someone else (wanted ${want.new})`)
    }
  }
  if (conflicts.length > 0) {
    throw new WriteBackFailure(`conflict, nothing pushed: ${conflicts.join('; ')}`)
  }
}

function commitMessage(git: GitWriteBack, request: BumpRequest, changes: FileChange[]): string {
  const distinct = (values: string[]) => [...new Set(values)].join(', ')
  const template =
    git.messageTemplate === defaultMessageTemplate && !git.environment
      ? 'deploy: {image} {old} → {new}'
      : git.messageTemplate
  const trailers: CommitTrailers[] = request.bumps.map((bump) => ({
    image: formatImageReference({
      repository: bump.newName ?? bump.image,
      tag: bump.tag,
      digest: bump.digest,
    }),
    digest: bump.digest,
    sourceCommit: git.sourceCommit,
  }))
  return renderCommitMessage(
    template,
    {
      env: git.environment ?? '',
      app: git.app ?? '',
      image: distinct(request.bumps.map((bump) => bump.newName ?? bump.image)),
      old: distinct(changes.map((change) => change.old)),
      new: distinct(changes.map((change) => change.new)),
      tag: distinct(request.bumps.map((bump) => bump.tag ?? '')),
      digest: distinct(request.bumps.map((bump) => bump.digest ?? '')),
    },
    trailers,
  )
}

/** The deterministic branch PR mode pushes to: one per environment and app. */
export function pullRequestBranch(git: GitWriteBack, bumps: readonly ImageBump[]): string {
  const app = git.app ?? bumps[0]!.image.split('/').pop()!
  if (!git.environment)
    throw new UsageError('--mode pr needs --environment (the branch is golden-path/<env>/<app>)')
  const branch = `golden-path/${git.environment}/${app}`
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.includes('..')) {
    throw new UsageError(
      `invalid pull request branch '${branch}': --environment and --app must be letters, digits, '.', '_', '-'`,
    )
  }
  return branch
}

/**
 * Moves images to a new version in YAML files, changing only the bytes of the
 * values involved, and — with a repository — commits and pushes the change,
 * retrying on a moved branch by re-applying the edit to the new tip.
 */
export async function bumpImages(request: BumpRequest, ports: BumpPorts): Promise<BumpResult> {
  if (request.bumps.length === 0) throw new UsageError('--image is required')
  if (!request.git) return bumpInPlace(request, ports, request.workspace)

  const git = request.git
  const prBranch = git.mode === 'pr' ? pullRequestBranch(git, request.bumps) : undefined
  if (git.mode === 'pr' && !ports.pullRequests) throw new UsageError('--mode pr needs a GitHub API')
  const named = [
    ...request.files.map((file) => checkRelative(file, '--file')),
    ...request.directories.map((directory) => checkRelative(directory, '--dir')),
  ]
  if (named.length === 0) throw new UsageError('name the files to edit with --file or --dir')

  const candidate = resolve(request.workspace, git.repo)
  const local = isAbsolute(git.repo) || existsSync(candidate) ? candidate : undefined
  const inPlace = local !== undefined && (await ports.git.isWorkTree(local))
  let scratch: string | undefined
  let root: string
  if (inPlace) {
    root = local
    if (!(await ports.git.isClean(root))) {
      throw new UsageError(`${git.repo} has uncommitted changes; commit or stash them first`)
    }
    // A retry resets the checkout to the remote branch: that must be the branch
    // checked out (or a detached HEAD), never some other local branch.
    const current = await ports.git.currentBranch(root)
    if (current !== undefined && current !== git.branch) {
      throw new UsageError(
        `${git.repo} has branch '${current}' checked out, not '${git.branch}'; check out '${git.branch}' or use a clone`,
      )
    }
  } else {
    scratch = await mkdtemp(join(tmpdir(), 'golden-path-bump-'))
    root = join(scratch, 'repo')
    await ports.git.clone(local ?? git.repo, git.branch, root, named.includes('.') ? [] : named)
  }
  try {
    return await commitWithRetry(request, git, ports, root, prBranch)
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true })
  }
}

async function bumpInPlace(
  request: BumpRequest,
  ports: BumpPorts,
  root: string,
): Promise<BumpResult> {
  const files = await collectTargetFiles(root, request.files, request.directories)
  if (files.length === 0) throw new UsageError('name the files to edit with --file or --dir')
  const plans = await planAll(root, files, request)
  assertFound(request, plans)
  const changed = plans.filter((plan) => plan.newText !== plan.text)
  const result = resultOf(plans, 1)
  if (changed.length > 0 && !request.dryRun) {
    await writeFilesAtomically(
      changed.map((plan) => ({ path: join(root, plan.path), text: plan.newText })),
    )
    ports.logger.info(`updated ${changed.map((plan) => plan.path).join(', ')}`)
  }
  return result
}

function resultOf(plans: readonly FileBumpPlan[], attempts: number): BumpResult {
  const files = changesOf(plans)
  return {
    changed: files.length > 0,
    files,
    commit: null,
    pushed: false,
    pushedRef: null,
    prUrl: null,
    attempts,
    diff: plans.map((plan) => unifiedDiff(plan.path, plan.text, plan.newText)).join(''),
  }
}

function assertFound(request: BumpRequest, plans: readonly FileBumpPlan[]): void {
  const missing = request.bumps.filter(
    (bump) =>
      !plans.some((plan) => plan.occurrences.some((occurrence) => occurrence.image === bump.image)),
  )
  if (missing.length > 0) {
    const names = missing.map((bump) => bump.image).join(', ')
    const present = [...new Set(plans.flatMap((plan) => imagesNamedIn(plan.path, plan.text)))]
    const listed = present.length > 0 ? present.join(', ') : 'none'
    const hint = request.targets.add ? '' : '; use --add to append a kustomize images entry'
    throw new WriteBackFailure(
      `image ${names} not found in ${plans.length} file(s) (images found: ${listed})${hint}`,
    )
  }
}

async function commitWithRetry(
  request: BumpRequest,
  git: GitWriteBack,
  ports: BumpPorts,
  root: string,
  prBranch: string | undefined,
): Promise<BumpResult> {
  const expected = new Map<string, { old: string; new: string }>()
  const start = await ports.git.head(root)
  let attemptStarted = ports.clock.now()
  for (let attempt = 1; ; attempt++) {
    const files = await collectTargetFiles(root, request.files, request.directories)
    const plans = await planAll(root, files, request)
    if (attempt === 1) {
      assertFound(request, plans)
      for (const plan of plans) {
        for (const occurrence of plan.occurrences) {
          expected.set(occurrenceKey(plan.path, occurrence), {
            old: describeVersion(occurrence.old),
            new: describeVersion(occurrence.new),
          })
        }
      }
    } else {
      assertNoConflict(plans, expected)
    }
    const result = resultOf(plans, attempt)
    const changed = plans.filter((plan) => plan.newText !== plan.text)
    if (changed.length === 0 || request.dryRun) return result

    await writeFilesAtomically(
      changed.map((plan) => ({ path: join(root, plan.path), text: plan.newText })),
    )
    const message = commitMessage(git, request, result.files)
    try {
      await ports.git.commit(
        root,
        changed.map((plan) => plan.path),
        message,
        {
          identity: git.identity,
          sign: git.sign,
        },
      )
    } catch (error) {
      // A failed commit leaves HEAD where it was: only the written files need undoing.
      await ports.git.resetHard(root, 'HEAD')
      throw error
    }
    if (!git.push && git.mode !== 'pr') {
      result.commit = await ports.git.head(root)
      return result
    }

    const ref = `refs/heads/${prBranch ?? git.branch}`
    const outcome = await ports.git.push(root, ref, { force: prBranch !== undefined })
    if (outcome.kind === 'pushed') {
      const commit = await ports.git.head(root)
      result.commit = commit
      ports.logger.info(`pushed ${commit} to ${ref} (attempt ${attempt})`)
      result.pushed = true
      result.pushedRef = ref
      if (prBranch) result.prUrl = await openPullRequest(git, ports, prBranch, message, result)
      return result
    }
    if (outcome.kind === 'rejected' || attempt >= git.maxAttempts) {
      await ports.git.resetHard(root, start)
      const why =
        outcome.kind === 'rejected'
          ? `push to ${ref} rejected by the remote: ${outcome.message}`
          : `push to ${ref} still behind after ${attempt} attempts: ${outcome.message}`
      throw new WriteBackFailure(why)
    }
    const delay = backoffDelay(attempt, ports.clock.now() - attemptStarted, ports.random)
    ports.logger.info(
      `${ref} moved (${outcome.message}); re-applying on the new tip in ${delay} ms`,
    )
    await ports.clock.sleep(delay)
    attemptStarted = ports.clock.now()
    await ports.git.resetToRemote(root, git.branch)
  }
}

function githubRepository(git: GitWriteBack): { owner: string; repo: string } {
  const fromUrl = /github\.com[:/]([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(git.repo)
  const full = git.githubRepository ?? (fromUrl ? `${fromUrl[1]}/${fromUrl[2]}` : undefined)
  const match = full ? /^([\w.-]+)\/([\w.-]+)$/.exec(full) : null
  if (!match) {
    throw new UsageError(
      '--mode pr needs the GitHub repository (owner/repo): a github.com --repo URL or --github-repository',
    )
  }
  return { owner: match[1]!, repo: match[2]! }
}

async function openPullRequest(
  git: GitWriteBack,
  ports: BumpPorts,
  branch: string,
  message: string,
  result: BumpResult,
): Promise<string> {
  const [title = '', ...rest] = message.split('\n')
  const table = result.files.map(
    (change) => `| \`${change.file}\` | ${change.old} | ${change.new} |`,
  )
  const body = [
    rest.join('\n').trim(),
    '',
    '| file | old | new |',
    '| --- | --- | --- |',
    ...table,
  ].join('\n')
  const outcome = await ports.pullRequests!.openOrUpdate({
    ...githubRepository(git),
    head: branch,
    base: git.branch,
    title,
    body,
  })
  ports.logger.info(`${outcome.created ? 'opened' : 'updated'} pull request ${outcome.url}`)
  return outcome.url
}
