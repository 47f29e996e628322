import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** Environment for git in tests: no user config, fixed identity and dates. */
export function gitEnv(date = '2026-11-02T10:00:00Z'): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Golden Path Test',
    GIT_AUTHOR_EMAIL: 'test@example.org',
    GIT_COMMITTER_NAME: 'Golden Path Test',
    GIT_COMMITTER_EMAIL: 'test@example.org',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  }
}

export function git(dir: string, args: string[], date?: string): string {
  return execFileSync('git', args, { cwd: dir, env: gitEnv(date), encoding: 'utf8' }).trim()
}

/** Writes files into `dir` and commits them (initialising the repository on first use). */
export function commitFiles(
  dir: string,
  files: Record<string, string>,
  message: string,
  date?: string,
): string {
  mkdirSync(dir, { recursive: true })
  try {
    git(dir, ['rev-parse', '--git-dir'])
  } catch {
    git(dir, ['init', '-q', '-b', 'main'])
  }
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  git(dir, ['add', '-A'])
  git(dir, ['commit', '-q', '-m', message], date)
  return git(dir, ['rev-parse', 'HEAD'])
}
