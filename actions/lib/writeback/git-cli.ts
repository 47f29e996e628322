import { realpath } from 'node:fs/promises'
import { UsageError } from '../errors'
import type { CommandRunner } from '../ports'
import type { GitIdentity, GitPort, PushOutcome } from './git-port'

export interface GitCliOptions {
  /** A token sent as HTTP basic auth to https remotes (GitHub accepts `x-access-token`). */
  token?: string
}

/**
 * Whether a repository is reached over https, where a token is needed. A local
 * path or a checkout made by actions/checkout (which already holds its own
 * credentials) must not get a second Authorization header.
 */
export function needsToken(repo: string): boolean {
  return /^https?:\/\//i.test(repo)
}

/** Local paths are cloned through file:// so that `--depth` applies to them too. */
function cloneUrl(source: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^[^/]+@[^/]+:/.test(source)) return source
  return `file://${source}`
}

/**
 * `git` run with argument vectors through a CommandRunner. Settings go through
 * GIT_CONFIG_* variables so a token never appears in a process listing.
 */
export class GitCli implements GitPort {
  private readonly env: NodeJS.ProcessEnv
  private readonly shallow = new Map<string, boolean>()

  constructor(
    private readonly runner: CommandRunner,
    options: GitCliOptions = {},
    baseEnv: NodeJS.ProcessEnv = process.env,
  ) {
    const config: [string, string][] = [
      ['advice.detachedHead', 'false'],
      // A write-back clone lives for one commit: housekeeping after it is wasted time.
      ['maintenance.auto', 'false'],
      ['gc.auto', '0'],
    ]
    if (options.token) {
      const basic = Buffer.from(`x-access-token:${options.token}`).toString('base64')
      config.push(['http.extraheader', `AUTHORIZATION: basic ${basic}`])
    }
    this.env = {
      ...baseEnv,
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_COUNT: String(config.length),
      ...Object.fromEntries(
        config.flatMap(([key, value], index) => [
          [`GIT_CONFIG_KEY_${index}`, key],
          [`GIT_CONFIG_VALUE_${index}`, value],
        ]),
      ),
    }
  }

  private async git(
    directory: string | undefined,
    args: readonly string[],
    options: { input?: string; env?: NodeJS.ProcessEnv; allowFailure?: boolean } = {},
  ) {
    const result = await this.runner.run('git', args, {
      cwd: directory,
      env: { ...this.env, ...options.env },
      input: options.input,
    })
    if (result.exitCode !== 0 && !options.allowFailure) {
      const detail = result.stderr.trim().split('\n').pop() ?? ''
      throw new Error(`git ${args[0]} failed: ${detail}`)
    }
    return result
  }

  async isWorkTree(path: string): Promise<boolean> {
    const result = await this.git(path, ['rev-parse', '--is-inside-work-tree', '--show-toplevel'], {
      allowFailure: true,
    })
    if (result.exitCode !== 0 || !result.stdout.startsWith('true')) return false
    // A directory inside some other checkout is not a checkout of its own.
    const top = result.stdout.trim().split('\n')[1] ?? ''
    return top === (await realpath(path))
  }

  async clone(source: string, branch: string, directory: string, paths: readonly string[]) {
    const result = await this.git(
      undefined,
      [
        'clone',
        '--quiet',
        '--depth=1',
        '--single-branch',
        '--no-tags',
        `--branch=${branch}`,
        '--no-checkout',
        // Blobs come on demand for the checked-out paths only; a server without
        // partial-clone support ignores the filter and sends everything.
        ...(paths.length > 0 ? ['--filter=blob:none'] : []),
        '--',
        cloneUrl(source),
        directory,
      ],
      { allowFailure: true },
    )
    if (result.exitCode !== 0) {
      const detail = result.stderr.trim().split('\n').pop() ?? ''
      throw new UsageError(`cannot clone branch '${branch}' of ${source}: ${detail}`)
    }
    if (paths.length > 0) {
      // Only the named files and directories are written to disk: a GitOps
      // repository with a thousand apps needs one of them checked out.
      await this.git(directory, ['sparse-checkout', 'set', '--no-cone', '--stdin'], {
        input: `${paths.map((path) => `/${path.replace(/^\/+/, '')}`).join('\n')}\n`,
      })
    }
    await this.git(directory, ['checkout', '--quiet', branch])
  }

  async head(directory: string): Promise<string> {
    return (await this.git(directory, ['rev-parse', 'HEAD'])).stdout.trim()
  }

  async currentBranch(directory: string): Promise<string | undefined> {
    const result = await this.git(directory, ['symbolic-ref', '--quiet', '--short', 'HEAD'], {
      allowFailure: true,
    })
    return result.exitCode === 0 ? result.stdout.trim() : undefined
  }

  async isClean(directory: string): Promise<boolean> {
    const result = await this.git(directory, ['status', '--porcelain', '--untracked-files=no'])
    return result.stdout.trim() === ''
  }

  async resetToRemote(directory: string, branch: string): Promise<void> {
    let shallow = this.shallow.get(directory)
    if (shallow === undefined) {
      const answer = await this.git(directory, ['rev-parse', '--is-shallow-repository'])
      shallow = answer.stdout.trim() === 'true'
      this.shallow.set(directory, shallow)
    }
    await this.git(directory, [
      'fetch',
      '--quiet',
      '--no-tags',
      ...(shallow ? ['--depth=1'] : []),
      'origin',
      `refs/heads/${branch}`,
    ])
    await this.resetHard(directory, 'FETCH_HEAD')
  }

  async resetHard(directory: string, revision: string): Promise<void> {
    await this.git(directory, ['reset', '--quiet', '--hard', revision])
  }

  async commit(
    directory: string,
    paths: readonly string[],
    message: string,
    options: { identity: GitIdentity; sign: boolean },
  ): Promise<void> {
    // `git commit -- <paths>` stages and commits just those files in one process:
    // this runs between fetch and push, where every millisecond widens the race.
    const result = await this.git(
      directory,
      [
        'commit',
        '--quiet',
        '--no-verify',
        options.sign ? '--gpg-sign' : '--no-gpg-sign',
        '--file=-',
        '--',
        ...paths,
      ],
      { input: message, env: identityEnv(options.identity), allowFailure: true },
    )
    if (result.exitCode !== 0) {
      const detail = result.stderr.trim().split('\n').pop() ?? ''
      throw new UsageError(`git commit failed${options.sign ? ' (signing)' : ''}: ${detail}`)
    }
  }

  async push(directory: string, ref: string, options: { force: boolean }): Promise<PushOutcome> {
    const result = await this.git(
      directory,
      ['push', '--porcelain', ...(options.force ? ['--force'] : []), 'origin', `HEAD:${ref}`],
      { allowFailure: true },
    )
    if (result.exitCode === 0) return { kind: 'pushed' }
    return classifyPushFailure(result.stdout, result.stderr)
  }
}

function identityEnv(identity: GitIdentity): NodeJS.ProcessEnv {
  return {
    GIT_AUTHOR_NAME: identity.name,
    GIT_AUTHOR_EMAIL: identity.email,
    GIT_COMMITTER_NAME: identity.name,
    GIT_COMMITTER_EMAIL: identity.email,
  }
}

/**
 * Reads `git push --porcelain`: a `!` line carries `[rejected] (non-fast-forward)`
 * or `(fetch first)` when the branch moved, `[remote rejected] (<reason>)` when
 * the remote refused; hook output arrives on stderr as `remote: ` lines.
 */
export function classifyPushFailure(stdout: string, stderr: string): PushOutcome {
  const status = stdout.split('\n').find((line) => line.startsWith('!')) ?? ''
  const remoteLines = stderr
    .split('\n')
    .filter((line) => line.startsWith('remote: '))
    .map((line) => line.slice('remote: '.length).trim())
    .filter((line) => line !== '')
  const reason = /\(([^)]*)\)\s*$/.exec(status)?.[1] ?? ''
  const summary = [reason, ...remoteLines].filter(Boolean).join(': ')
  if (/\[rejected\]/.test(status) && /non-fast-forward|fetch first|stale info/.test(status)) {
    return { kind: 'stale', message: summary }
  }
  // Two pushes landing on a bare repository at the same instant: the loser sees
  // its ref lock taken or its expected old value gone. The branch moved; retry.
  if (
    /\[remote rejected\]/.test(status) &&
    /cannot lock ref|failed to update ref|incorrect old value/.test(`${status}\n${stderr}`)
  ) {
    return { kind: 'stale', message: summary }
  }
  const fallback = stderr.trim().split('\n').pop() ?? 'push failed'
  return { kind: 'rejected', message: summary || fallback }
}
