import {
  accessSync,
  constants,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { oneLine, UsageError } from '../errors'
import type { CommandRunner } from '../ports'
import {
  chooseOverlayImage,
  kustomizationFileNames,
  listOverlayImages,
  type OverlayImageTarget,
} from './overlay-image'

export interface GitOpsPreflightOptions {
  /** Bare repository path or any URL git can clone. */
  repository: string
  branch: string
  /** Overlay directory inside the repository. */
  overlay: string
  /** `--overlay-image`. */
  overlayImage?: string
  /** The image's repository inside the registry (acme/payments). */
  imageName: string
  add: boolean
}

/** A repository URL as it may be printed: any user:password@ part masked. */
export function printableRepository(repository: string): string {
  return repository.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@')
}

/** git's last stderr line, with any URL credentials it echoes masked. */
function lastLine(stderr: string): string {
  return (stderr.trim().split('\n').pop() ?? '').replace(/(:\/\/)[^/@\s]*@/g, '$1***@')
}

/** What the bump will edit, known before anything is built. */
export interface GitOpsBumpTarget extends OverlayImageTarget {
  /** The kustomization file, relative to the repository root. */
  file: string
}

/**
 * Checks, before anything is built or pushed, that the bump at the end of the delivery
 * can land: the branch exists and can be written, the overlay has a kustomization, and
 * one of its `images:` entries is the image delivered (or `--add` appends it). Every
 * failure is an input error (exit 2) saying what to change.
 */
export async function preflightGitOps(
  options: GitOpsPreflightOptions,
  runner: CommandRunner,
): Promise<GitOpsBumpTarget> {
  const checkout = mkdtempSync(join(tmpdir(), 'golden-path-preflight-'))
  try {
    const clone = await runner.run('git', [
      'clone',
      '--quiet',
      '--depth',
      '1',
      '--branch',
      options.branch,
      '--',
      options.repository,
      checkout,
    ])
    if (clone.exitCode !== 0) {
      const why = lastLine(clone.stderr)
      const hint = /Remote branch .* not found/.test(clone.stderr)
        ? `; create branch '${options.branch}' there or pass --gitops-branch`
        : ''
      throw new UsageError(
        `cannot read branch '${options.branch}' of the GitOps repository ${printableRepository(options.repository)}: ${why}${hint}`,
      )
    }
    const overlay = posix.normalize(options.overlay.replace(/\\/g, '/')).replace(/\/$/, '')
    if (overlay.startsWith('../') || overlay.startsWith('/')) {
      throw new UsageError(`--gitops-path '${options.overlay}' is outside the GitOps repository`)
    }
    const overlayDir = join(checkout, overlay)
    if (!existsSync(overlayDir) || !statSync(overlayDir).isDirectory()) {
      throw new UsageError(
        `the GitOps repository has no overlay '${overlay}' on branch '${options.branch}'; pass --gitops-path DIR (a directory with a kustomization.yaml)`,
      )
    }
    const fileName = kustomizationFileNames.find((name) => existsSync(join(overlayDir, name)))
    if (!fileName) {
      throw new UsageError(
        `overlay '${overlay}' has no kustomization.yaml; pass --gitops-path DIR of a kustomize overlay`,
      )
    }
    const file = posix.join(overlay, fileName)
    const entries = listOverlayImages(file, readFileSync(join(overlayDir, fileName), 'utf8'))
    const target = chooseOverlayImage({
      file,
      entries,
      requested: options.overlayImage,
      imageName: options.imageName,
      add: options.add,
    })
    await assertWritable(options, checkout, runner)
    return { ...target, file }
  } finally {
    rmSync(checkout, { recursive: true, force: true })
  }
}

/**
 * A repository on disk must be writable by this user; a remote is asked with a dry-run
 * push, which authenticates and runs the remote's checks without changing anything.
 */
async function assertWritable(
  options: GitOpsPreflightOptions,
  checkout: string,
  runner: CommandRunner,
): Promise<void> {
  if (existsSync(options.repository)) {
    try {
      accessSync(join(options.repository, 'refs'), constants.W_OK)
      accessSync(join(options.repository, 'objects'), constants.W_OK)
    } catch (error) {
      throw new UsageError(
        `the GitOps repository ${options.repository} is not writable by this user (${oneLine(error)}); fix its permissions or pass --gitops-repo PATH`,
      )
    }
    return
  }
  const push = await runner.run(
    'git',
    ['push', '--dry-run', '--quiet', 'origin', `HEAD:refs/heads/${options.branch}`],
    { cwd: checkout },
  )
  if (push.exitCode !== 0) {
    throw new UsageError(
      `cannot push to branch '${options.branch}' of ${printableRepository(options.repository)}: ${lastLine(push.stderr)}; give this user write access or pass another --gitops-repo`,
    )
  }
}
