/** Who a commit is attributed to (author and committer alike). */
export interface GitIdentity {
  name: string
  email: string
}

export type PushOutcome =
  | { kind: 'pushed' }
  /** Someone else moved the branch first: fetch, re-apply, try again. */
  | { kind: 'stale'; message: string }
  /** The remote refused the update itself (a hook, a protected branch). */
  | { kind: 'rejected'; message: string }

/**
 * The git operations a write-back needs, behind an interface so the core never
 * builds command lines itself. `GitCli` implements it with the real `git`.
 */
export interface GitPort {
  /** Whether `path` is the top of a non-bare working tree. */
  isWorkTree(path: string): Promise<boolean>
  /** A shallow clone of one branch that checks out only `paths` (all when empty). */
  clone(source: string, branch: string, directory: string, paths: readonly string[]): Promise<void>
  head(directory: string): Promise<string>
  /** The checked-out branch, or undefined on a detached HEAD. */
  currentBranch(directory: string): Promise<string | undefined>
  isClean(directory: string): Promise<boolean>
  /** Fetches `branch` from origin and resets the checkout to its tip. */
  resetToRemote(directory: string, branch: string): Promise<void>
  resetHard(directory: string, revision: string): Promise<void>
  /** Commits the named paths as they are on disk. */
  commit(
    directory: string,
    paths: readonly string[],
    message: string,
    options: { identity: GitIdentity; sign: boolean },
  ): Promise<void>
  push(directory: string, ref: string, options: { force: boolean }): Promise<PushOutcome>
}
