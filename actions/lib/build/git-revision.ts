import type { CommandRunner } from '../ports'

/** What a build needs to know about the commit it builds. */
export interface GitRevision {
  sha: string
  /** Committer date, seconds since the epoch: the reproducible build time. */
  commitEpoch: number
  /** Branch name when the build is for a branch. */
  branch?: string
  /** Tags that point at the commit (e.g. v1.2.3). */
  tags: string[]
  /** Pull-request number when the build is for a pull request. */
  pullRequest?: number
  /** Web URL of the repository, for org.opencontainers.image.source. */
  sourceUrl?: string
}

async function git(
  runner: CommandRunner,
  cwd: string,
  args: string[],
): Promise<string | undefined> {
  const result = await runner.run('git', args, { cwd }).catch(() => undefined)
  return result?.exitCode === 0 ? result.stdout.trim() : undefined
}

/** https form of a git remote URL (git@github.com:org/repo.git -> https://github.com/org/repo). */
export function remoteToWebUrl(remote: string): string | undefined {
  const scp = /^[\w.-]+@([^:]+):(.+?)(?:\.git)?$/.exec(remote)
  if (scp) return `https://${scp[1]}/${scp[2]}`
  try {
    const url = new URL(remote)
    if (!['https:', 'http:', 'ssh:', 'git:'].includes(url.protocol)) return undefined
    return `https://${url.hostname}${url.pathname.replace(/\.git$/, '').replace(/\/$/, '')}`
  } catch {
    return undefined
  }
}

/**
 * Reads the revision from the GitHub Actions environment when present
 * (GITHUB_SHA, GITHUB_REF, GITHUB_SERVER_URL/GITHUB_REPOSITORY), and from the
 * git repository around `dir` otherwise. Returns undefined outside a repository.
 */
export async function readGitRevision(
  dir: string,
  env: NodeJS.ProcessEnv,
  runner: CommandRunner,
): Promise<GitRevision | undefined> {
  const sha = env.GITHUB_SHA || (await git(runner, dir, ['rev-parse', 'HEAD']))
  if (!sha || !/^[0-9a-f]{40}$/.test(sha)) return undefined
  const epochText = await git(runner, dir, ['show', '-s', '--format=%ct', sha])
  const commitEpoch = epochText ? Number.parseInt(epochText, 10) : Number.NaN
  if (!Number.isFinite(commitEpoch)) return undefined
  const ref = env.GITHUB_REF ?? (await git(runner, dir, ['symbolic-ref', '-q', 'HEAD']))
  let branch: string | undefined
  let pullRequest: number | undefined
  const tags: string[] = []
  if (ref?.startsWith('refs/heads/')) branch = ref.slice('refs/heads/'.length)
  const pull = ref ? /^refs\/pull\/(\d+)\//.exec(ref) : null
  if (pull) pullRequest = Number(pull[1])
  if (ref?.startsWith('refs/tags/')) {
    tags.push(ref.slice('refs/tags/'.length))
  } else if (!env.GITHUB_REF) {
    const pointing = await git(runner, dir, ['tag', '--points-at', sha])
    if (pointing) tags.push(...pointing.split('\n').filter(Boolean))
  }
  let sourceUrl: string | undefined
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY) {
    sourceUrl = `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}`
  } else {
    const remote = await git(runner, dir, ['remote', 'get-url', 'origin'])
    sourceUrl = remote ? remoteToWebUrl(remote) : undefined
  }
  return { sha, commitEpoch, branch, tags, pullRequest, sourceUrl }
}
