import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import type { CommandRunner } from '../ports'

export interface GitOpsRepository {
  /** Path of the bare repository, usable as a clone URL. */
  path: string
  branch: string
  /** True when this call created and seeded it. */
  seeded: boolean
  /** Commit at the tip of `branch`. */
  head: string
}

export interface GitOpsRepositoryOptions {
  path: string
  branch: string
  /** Directory copied to `manifests/` in the first commit (this repository's manifests/). */
  seedManifests: string
  git: CommandRunner
  /**
   * Seed only: overlays whose kustomize `images:` entries have `newName: <from>` get
   * `newName: <to>`, so the local environment names the image in the local registry
   * and a bump of `<to>` finds its entry (bump matches entries by name or newName).
   */
  imageRepository?: { from: string; to: string }
}

/** Rewrites `newName: <from>` (plain or quoted) to `newName: <to>` in every kustomization under `dir`. */
function renameImageRepository(dir: string, from: string, to: string): void {
  const literal = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const pattern = new RegExp(`^(\\s*-?\\s*newName:\\s*)(["']?)${literal}\\2([ \\t]*(#.*)?)$`, 'gm')
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/^kustomization\.ya?ml$/.test(entry.name)) continue
    const file = join(entry.parentPath, entry.name)
    const text = readFileSync(file, 'utf8')
    const renamed = text.replace(pattern, `$1$2${to}$2$3`)
    if (renamed !== text) writeFileSync(file, renamed)
  }
}

/** The identity of the seed commit; bumps carry their own author. */
const seedAuthor = {
  GIT_AUTHOR_NAME: 'golden-path',
  GIT_AUTHOR_EMAIL: 'golden-path@localhost',
  GIT_COMMITTER_NAME: 'golden-path',
  GIT_COMMITTER_EMAIL: 'golden-path@localhost',
}

async function git(runner: CommandRunner, args: string[], cwd?: string): Promise<string> {
  const result = await runner.run('git', args, { cwd, env: { ...process.env, ...seedAuthor } })
  if (result.exitCode !== 0) {
    throw new Error(`git ${args[0]} failed: ${result.stderr.trim().split('\n').pop() ?? ''}`)
  }
  return result.stdout.trim()
}

/**
 * The GitOps repository local delivery writes to: a bare repository on disk, like a
 * remote. Created on first use from manifests/ (built aside and renamed into place,
 * so an interrupted seed leaves nothing half made); reused as it is afterwards, so
 * earlier bumps stay in its history.
 */
export async function ensureGitOpsRepository(
  options: GitOpsRepositoryOptions,
): Promise<GitOpsRepository> {
  const { path, branch, seedManifests, git: runner } = options
  if (existsSync(path)) {
    const isBare = await runner.run('git', ['--git-dir', path, 'rev-parse', '--is-bare-repository'])
    if (isBare.exitCode !== 0 || isBare.stdout.trim() !== 'true') {
      throw new Error(`GitOps repository '${path}' exists but is not a bare git repository`)
    }
    const head = await runner.run('git', [
      '--git-dir',
      path,
      'rev-parse',
      '--verify',
      `refs/heads/${branch}`,
    ])
    if (head.exitCode !== 0) {
      throw new Error(
        `GitOps repository '${path}' has no branch '${branch}'; create it there or pass --gitops-branch NAME`,
      )
    }
    return { path, branch, seeded: false, head: head.stdout.trim() }
  }
  if (!existsSync(join(seedManifests, 'overlays'))) {
    throw new Error(
      `cannot seed the GitOps repository: '${seedManifests}' has no overlays/ directory`,
    )
  }
  mkdirSync(dirname(path), { recursive: true })
  const staging = mkdtempSync(`${path}.staging-`)
  const work = mkdtempSync(`${path}.work-`)
  try {
    await git(runner, ['init', '--quiet', '--bare', '--initial-branch', branch, staging])
    await git(runner, ['init', '--quiet', '--initial-branch', branch, work])
    cpSync(seedManifests, join(work, 'manifests'), { recursive: true })
    if (options.imageRepository) {
      const { from, to } = options.imageRepository
      renameImageRepository(join(work, 'manifests'), from, to)
    }
    await git(runner, ['add', '--all'], work)
    await git(
      runner,
      ['commit', '--quiet', '-m', 'Seed the GitOps repository from golden-path manifests/'],
      work,
    )
    await git(runner, ['push', '--quiet', staging, `HEAD:refs/heads/${branch}`], work)
    renameSync(staging, path)
    const head = await git(runner, ['--git-dir', path, 'rev-parse', `refs/heads/${branch}`])
    return { path, branch, seeded: true, head }
  } finally {
    rmSync(work, { recursive: true, force: true })
    rmSync(staging, { recursive: true, force: true })
  }
}
