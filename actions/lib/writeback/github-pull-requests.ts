import { getOctokit } from '@actions/github'
import type { PullRequestOutcome, PullRequestPort, PullRequestSpec } from './pull-request-port'

/**
 * Pull requests through GitHub's REST API: `GET /repos/{owner}/{repo}/pulls`
 * filtered by `head=owner:branch` and `state=open` finds the existing one, then
 * `PATCH /repos/{owner}/{repo}/pulls/{pull_number}` updates it or
 * `POST /repos/{owner}/{repo}/pulls` opens a new one.
 */
export class GitHubPullRequests implements PullRequestPort {
  private readonly octokit: ReturnType<typeof getOctokit>

  constructor(options: { token: string; baseUrl: string }) {
    this.octokit = getOctokit(options.token, {
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      userAgent: 'golden-path',
    })
  }

  async openOrUpdate(spec: PullRequestSpec): Promise<PullRequestOutcome> {
    const existing = await this.octokit.request('GET /repos/{owner}/{repo}/pulls', {
      owner: spec.owner,
      repo: spec.repo,
      head: `${spec.owner}:${spec.head}`,
      base: spec.base,
      state: 'open',
      per_page: 1,
    })
    const open = existing.data[0]
    if (open) {
      const updated = await this.octokit.request(
        'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
        {
          owner: spec.owner,
          repo: spec.repo,
          pull_number: open.number,
          title: spec.title,
          body: spec.body,
        },
      )
      return { number: updated.data.number, url: updated.data.html_url, created: false }
    }
    const created = await this.octokit.request('POST /repos/{owner}/{repo}/pulls', {
      owner: spec.owner,
      repo: spec.repo,
      head: spec.head,
      base: spec.base,
      title: spec.title,
      body: spec.body,
    })
    return { number: created.data.number, url: created.data.html_url, created: true }
  }
}
