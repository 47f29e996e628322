import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { nullLogger, spawnRunner } from '../../actions/lib/ports'
import type { BumpPorts } from '../../actions/lib/writeback/bump-images'
import { GitCli } from '../../actions/lib/writeback/git-cli'

/** Git isolated from the machine's own configuration (no global signing, hooks or identity). */
export const gitEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Seeder',
  GIT_AUTHOR_EMAIL: 'seeder@example.test',
  GIT_COMMITTER_NAME: 'Seeder',
  GIT_COMMITTER_EMAIL: 'seeder@example.test',
}

export function git(cwd: string, ...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8', stdio: 'pipe' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('git is not installed: apt-get install -y git')
    }
    throw error
  }
}

/**
 * A bare repository on disk holding `files` on branch main, plus methods that
 * act as another writer through a clone of their own.
 */
export class GitOpsRemote {
  readonly root = mkdtempSync(join(tmpdir(), 'golden-path-remote-'))
  readonly bare = join(this.root, 'gitops.git')
  private writers = 0

  constructor(files: Record<string, string>) {
    git(this.root, 'init', '--quiet', '--bare', '--initial-branch=main', this.bare)
    this.commitAsOther(files, 'initial layout')
  }

  /** Another writer: clones, writes `files`, commits and pushes to main. */
  commitAsOther(files: Record<string, string>, message: string): string {
    const clone = this.prepareOther(files, message)
    git(clone, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main')
    return git(clone, 'rev-parse', 'HEAD').trim()
  }

  /** A clone with a commit ready to push (the push is left to the caller). */
  prepareOther(files: Record<string, string>, message: string): string {
    const clone = join(this.root, `writer-${this.writers++}`)
    if (this.writers === 1) {
      mkdirSync(clone)
      git(clone, 'init', '--quiet', '--initial-branch=main')
      git(clone, 'remote', 'add', 'origin', this.bare)
    } else {
      git(this.root, 'clone', '--quiet', '--branch=main', this.bare, clone)
    }
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(clone, path)), { recursive: true })
      writeFileSync(join(clone, path), text)
    }
    git(clone, 'add', '--all')
    git(clone, 'commit', '--quiet', '-m', message)
    return clone
  }

  read(path: string, ref = 'main'): string {
    return git(this.root, '--git-dir', this.bare, 'show', `${ref}:${path}`)
  }

  tip(ref = 'main'): string {
    return git(this.root, '--git-dir', this.bare, 'rev-parse', ref).trim()
  }

  log(format = '%s', ref = 'main'): string[] {
    return git(this.root, '--git-dir', this.bare, 'log', `--format=${format}`, ref)
      .split('\n')
      .filter(Boolean)
  }

  /** Installs a pre-receive hook (a shell script body). */
  hook(body: string): void {
    const path = join(this.bare, 'hooks', 'pre-receive')
    writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 })
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true })
  }
}

/** Real git and the real clock; no jitter, so retries are quick. */
export function realPorts(overrides: Partial<BumpPorts> = {}): BumpPorts {
  return {
    git: new GitCli(spawnRunner, {}, gitEnv),
    logger: nullLogger,
    clock: { now: () => Date.now(), sleep: async () => {} },
    random: () => 0,
    ...overrides,
  }
}
