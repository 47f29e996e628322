export interface PullRequestSpec {
  owner: string
  repo: string
  /** The branch carrying the change (same repository). */
  head: string
  base: string
  title: string
  body: string
}

export interface PullRequestOutcome {
  number: number
  url: string
  /** False when an open pull request for the branch already existed and was updated. */
  created: boolean
}

/** Opens a pull request, or updates the open one for the same branch. */
export interface PullRequestPort {
  openOrUpdate(spec: PullRequestSpec): Promise<PullRequestOutcome>
}
